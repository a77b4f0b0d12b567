//! Helpers shared by the integration tests: colour deconvolution with a slide's own stains.

use ihc_synth::SyntheticSlide;

/// Hematoxylin and DAB optical density of an RGB pixel by colour deconvolution with the
/// slide's own stain vectors (third vector: their normalised cross product). The hematoxylin
/// OD includes the slide's hematoxylin scale: it is what a detector sees.
pub fn deconvolver(s: &SyntheticSlide) -> impl Fn([u8; 3]) -> (f64, f64) {
    let st = s.truth().stains;
    let (h, d) = (
        st.hematoxylin.map(|c| c * st.concentration_factor),
        st.dab.map(|c| c * st.concentration_factor),
    );
    let r = [
        h[1] * d[2] - h[2] * d[1],
        h[2] * d[0] - h[0] * d[2],
        h[0] * d[1] - h[1] * d[0],
    ];
    let m = [h, d, r]; // rows: stains; OD = c . m
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let inv = |i: usize, j: usize| {
        let (a, b) = ((j + 1) % 3, (j + 2) % 3);
        let (c, e) = ((i + 1) % 3, (i + 2) % 3);
        (m[a][c] * m[b][e] - m[a][e] * m[b][c]) / det
    };
    let inverse: [[f64; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| inv(i, j)));
    move |p: [u8; 3]| {
        let od = p.map(|v| -((v.max(1) as f64) / 255.0).log10());
        let c = |k: usize| (0..3).map(|i| od[i] * inverse[i][k]).sum::<f64>();
        (c(0), c(1))
    }
}
