// her2 view: builds the deep-zoom viewer and its layers from /info.json.
(function () {
  'use strict';
  var el = function (tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  };
  var rgb = function (c) { return 'rgb(' + c[0] + ',' + c[1] + ',' + c[2] + ')'; };
  var swatch = function (colour, label) {
    var d = el('div');
    var s = el('span', { 'class': 'sw' });
    s.style.background = rgb(colour);
    d.appendChild(s);
    d.appendChild(document.createTextNode(label));
    return d;
  };

  fetch('info.json').then(function (r) { return r.json(); }).then(function (info) {
    document.getElementById('name').textContent = info.name;
    document.title = 'her2 view: ' + info.name;
    if (info.summary) {
      document.getElementById('score').textContent = 'HER2 ' + info.summary.score;
      var categories = { 'null': '0 (null)', ultralow: '0 (ultralow)', one: '1+', two: '2+', three: '3+' };
      document.getElementById('category').textContent = 'ASCO/CAP 2023: ' +
        (categories[info.summary.category] || info.summary.category) + ' (' + info.summary.clinical_group + ')';
      document.getElementById('fired').textContent = info.summary.fired;
      info.summary.flags.forEach(function (f) {
        document.getElementById('flags').appendChild(el('div', { 'class': 'flag' }, f));
      });
    }
    var viewer = OpenSeadragon({
      id: 'viewer',
      tileSources: 'slide.dzi',
      showNavigationControl: false,
      showNavigator: true,
      maxZoomPixelRatio: 4,
      gestureSettingsMouse: { clickToZoom: false }
    });
    var layerSource = function (name) {
      return {
        width: info.width, height: info.height, tileSize: 256, tileOverlap: 0,
        getTileUrl: function (level, x, y) { return 'layers/' + name + '/' + level + '/' + x + '_' + y + '.png'; }
      };
    };
    var layers = document.getElementById('layers');
    var toggle = function (id, label, on, set) {
      var box = el('input', { type: 'checkbox', id: 'layer-' + id });
      box.checked = on;
      box.addEventListener('change', function () { set(box.checked); });
      var l = el('label');
      l.appendChild(box);
      l.appendChild(document.createTextNode(' ' + label));
      layers.appendChild(l);
    };
    var legend = document.getElementById('legend');
    viewer.addOnceHandler('open', function () {
      var slide = viewer.world.getItemAt(0);
      if (info.heatmap) {
        viewer.addSimpleImage({
          url: 'layers/heatmap.png', x: 0, y: 0, width: 1, opacity: 0,
          success: function (e) {
            toggle('heatmap', 'tumour probability heatmap', false, function (on) { e.item.setOpacity(on ? 0.55 : 0); });
          }
        });
        legend.appendChild(el('div', {}, 'Tumour probability'));
        var bar = el('div', { 'class': 'bar', id: 'heatmap-bar' });
        bar.style.background = 'linear-gradient(to right,' + info.heatmap_colours.map(rgb).join(',') + ')';
        legend.appendChild(bar);
        var ends = el('div', { 'class': 'ends' });
        ends.appendChild(el('span', {}, '0'));
        ends.appendChild(el('span', {}, '1'));
        legend.appendChild(ends);
      }
      if (info.patches > 0) {
        viewer.addTiledImage({
          tileSource: layerSource('patches'), opacity: 1,
          success: function (e) {
            toggle('patches', 'analysed patches by score (' + info.patches + ')', true, function (on) { e.item.setOpacity(on ? 1 : 0); });
          }
        });
        legend.appendChild(el('div', {}, 'Patch score'));
        info.score_colours.forEach(function (s) { legend.appendChild(swatch(s[1], s[0])); });
      }
      if (info.cells > 0) {
        viewer.addTiledImage({
          tileSource: layerSource('cells'), opacity: 1,
          success: function (e) {
            toggle('cells', 'cells (' + info.cells + ')', true, function (on) { e.item.setOpacity(on ? 1 : 0); });
          }
        });
        legend.appendChild(el('div', { id: 'cell-legend' }, 'Cells, outlined in their class colour ' +
          '(drawn from 1/' + info.cells_max_downsample + ' of full resolution in)'));
        info.classes.forEach(function (c) { legend.appendChild(swatch(c.colour, c.name + ' (' + c.count + ')')); });
      }
      if (info.pieces.length > 0) {
        var elements = info.pieces.map(function (p) {
          var box = el('div', { 'class': 'piece' });
          var colour = p.role === 'control' ? '#c81ea0' : (p.role === 'excluded' ? '#777' : '#1e6edc');
          box.style.borderColor = colour;
          var tag = el('span', {}, 'piece ' + p.id + (p.role === 'control' ? ' (3+ control)' : (p.role === 'excluded' ? ' (excluded)' : '')));
          tag.style.color = colour;
          box.appendChild(tag);
          viewer.addOverlay({
            element: box,
            location: slide.imageToViewportRectangle(p.bbox[0], p.bbox[1], p.bbox[2] - p.bbox[0], p.bbox[3] - p.bbox[1])
          });
          return box;
        });
        toggle('tissue', 'tissue pieces (' + info.pieces.length + ')', true, function (on) {
          elements.forEach(function (e) { e.style.display = on ? '' : 'none'; });
        });
      }
      var show = function (x, y) {
        fetch('cells/at?x=' + x + '&y=' + y).then(function (r) {
          if (!r.ok) { throw new Error('no cell there'); }
          return r.json();
        }).then(function (cell) {
          var panel = document.getElementById('cell');
          panel.textContent = '';
          panel.className = '';
          panel.appendChild(swatch(cell.colour, cell.class));
          var t = el('table');
          cell.measurements.concat(cell.metadata).forEach(function (m) {
            var row = el('tr');
            row.appendChild(el('td', {}, m[0]));
            row.appendChild(el('td', {}, typeof m[1] === 'number' ? m[1].toFixed(3) : m[1]));
            t.appendChild(row);
          });
          panel.appendChild(t);
        }).catch(function (e) {
          var panel = document.getElementById('cell');
          panel.className = 'muted';
          panel.textContent = e.message;
        });
      };
      viewer.addHandler('canvas-click', function (e) {
        if (!e.quick || info.cells === 0) { return; }
        var p = slide.viewerElementToImageCoordinates(e.position);
        show(p.x, p.y);
      });
      var hash = /cell=([0-9.]+),([0-9.]+)/.exec(window.location.hash);
      if (hash && info.cells > 0) { show(hash[1], hash[2]); }
    });
  });
}());
