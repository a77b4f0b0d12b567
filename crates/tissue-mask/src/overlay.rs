//! [`overlay`]: the tissue mask drawn over its thumbnail, pieces outlined in their role's
//! colour (tissue green, control magenta, excluded grey) and numbered with a built-in 3x5 pixel
//! font (no system fonts).

use image::{Rgb, RgbImage};

use crate::error::{Result, TissueError};
use crate::mask::TissueMask;
use crate::piece::PieceRole;

/// Glyphs of the digits 0-9: five rows of three bits (bit 2 = left column).
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b111, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b001, 0b001, 0b001],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

fn role_colour(role: PieceRole) -> [u8; 3] {
    match role {
        PieceRole::Patient => [0, 170, 60],
        PieceRole::Control => [210, 0, 210],
        PieceRole::Excluded => [110, 110, 110],
    }
}

/// Fills the rectangle `[x0, x1) x [y0, y1)` (clipped) with `colour`.
fn fill_rect(img: &mut RgbImage, x0: i64, y0: i64, x1: i64, y1: i64, colour: [u8; 3]) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    for y in y0.max(0)..y1.min(h) {
        for x in x0.max(0)..x1.min(w) {
            img.put_pixel(x as u32, y as u32, Rgb(colour));
        }
    }
}

/// Draws `text` (digits only; other characters are skipped) centred on (cx, cy), black on a
/// white box, each font pixel `scale` image pixels wide.
pub fn draw_number(img: &mut RgbImage, text: &str, cx: i64, cy: i64, scale: i64) {
    let glyphs: Vec<&[u8; 5]> = text
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| &DIGITS[d as usize])
        .collect();
    if glyphs.is_empty() {
        return;
    }
    let n = glyphs.len() as i64;
    let (tw, th) = ((4 * n - 1) * scale, 5 * scale);
    let (x0, y0) = (cx - tw / 2, cy - th / 2);
    fill_rect(
        img,
        x0 - scale,
        y0 - scale,
        x0 + tw + scale,
        y0 + th + scale,
        [255, 255, 255],
    );
    for (i, glyph) in glyphs.iter().enumerate() {
        let gx = x0 + i as i64 * 4 * scale;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..3 {
                if bits >> (2 - col) & 1 == 1 {
                    let (px, py) = (gx + col * scale, y0 + row as i64 * scale);
                    fill_rect(img, px, py, px + scale, py + scale, [0, 0, 0]);
                }
            }
        }
    }
}

/// The thumbnail with the mask drawn over it: pieces tinted and outlined in their role's
/// colour, each numbered with its id at its centroid.
pub fn overlay(mask: &TissueMask, thumbnail: &RgbImage) -> Result<RgbImage> {
    let (w, h) = mask.dimensions();
    if thumbnail.dimensions() != (w, h) {
        return Err(TissueError::BadImage(format!(
            "thumbnail {}x{} does not match the mask {w}x{h}",
            thumbnail.width(),
            thumbnail.height()
        )));
    }
    let mut labels = vec![0u32; w as usize * h as usize];
    for (run, id) in mask.labelled_runs() {
        let row = run.y as usize * w as usize;
        labels[row + run.x0 as usize..row + run.x1 as usize].fill(id);
    }
    let label_at = |x: i64, y: i64| {
        if x < 0 || y < 0 || x >= i64::from(w) || y >= i64::from(h) {
            0
        } else {
            labels[y as usize * w as usize + x as usize]
        }
    };
    let mut out = thumbnail.clone();
    for (i, px) in out.pixels_mut().enumerate() {
        let id = labels[i];
        if id == 0 {
            continue;
        }
        let (x, y) = ((i % w as usize) as i64, (i / w as usize) as i64);
        let colour = mask.piece(id).map_or([0, 0, 0], |p| role_colour(p.role));
        let edge = [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)]
            .iter()
            .any(|&(a, b)| label_at(a, b) != id);
        px.0 = if edge {
            colour
        } else {
            std::array::from_fn(|c| ((u16::from(px.0[c]) + u16::from(colour[c])) / 2) as u8)
        };
    }
    let scale = i64::from((w.min(h) / 200).max(1));
    let d = mask.downsample();
    for piece in mask.pieces() {
        let (cx, cy) = (
            (piece.centroid[0] / d) as i64,
            (piece.centroid[1] / d) as i64,
        );
        draw_number(&mut out, &piece.id.to_string(), cx, cy, scale);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitmap::Bitmap;
    use crate::mask::MaskSource;

    #[test]
    fn digits_are_drawn_black_on_white() {
        let mut img = RgbImage::from_pixel(40, 20, Rgb([100, 100, 100]));
        draw_number(&mut img, "10", 20, 10, 2);
        let black = img.pixels().filter(|p| p.0 == [0, 0, 0]).count();
        // "1" has 8 lit cells, "0" has 12; each is 2 x 2 pixels.
        assert_eq!(black, (8 + 12) * 4);
        assert!(img.pixels().any(|p| p.0 == [255, 255, 255]));
    }

    #[test]
    fn outlines_follow_roles() {
        let b = Bitmap::from_fn(60, 40, |x, y| {
            (5..25).contains(&x) && (5..35).contains(&y)
                || (40..50).contains(&x) && (10..20).contains(&y)
        });
        let mut m =
            TissueMask::from_bitmap(b, 8.0, 0.5, None, MaskSource::External("t".into())).unwrap();
        m.set_role(2, PieceRole::Control).unwrap();
        let thumb = RgbImage::from_pixel(60, 40, Rgb([240, 240, 240]));
        let img = overlay(&m, &thumb).unwrap();
        assert_eq!(img.get_pixel(5, 20).0, role_colour(PieceRole::Patient));
        assert_eq!(img.get_pixel(40, 12).0, role_colour(PieceRole::Control));
        assert_eq!(img.get_pixel(0, 0).0, [240, 240, 240]);
        assert!(overlay(&m, &RgbImage::new(3, 3)).is_err());
    }
}
