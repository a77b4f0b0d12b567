//! A tiny built-in 5 x 7 bitmap font, so figures need no system fonts.

use image::{Rgb, RgbImage};

/// Glyph width in font pixels.
const GLYPH_WIDTH: u32 = 5;
/// Glyph height in font pixels.
const GLYPH_HEIGHT: u32 = 7;

/// Glyph rows, top first, `#` for ink. Lower-case letters are drawn as capitals.
const GLYPHS: &[(char, [&str; 7])] = &[
    (
        '0',
        [
            ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.",
        ],
    ),
    (
        '1',
        [
            "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.",
        ],
    ),
    (
        '2',
        [
            ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####",
        ],
    ),
    (
        '3',
        [
            "####.", "....#", "....#", ".###.", "....#", "....#", "####.",
        ],
    ),
    (
        '4',
        [
            "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.",
        ],
    ),
    (
        '5',
        [
            "#####", "#....", "####.", "....#", "....#", "#...#", ".###.",
        ],
    ),
    (
        '6',
        [
            ".###.", "#....", "#....", "####.", "#...#", "#...#", ".###.",
        ],
    ),
    (
        '7',
        [
            "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...",
        ],
    ),
    (
        '8',
        [
            ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
        ],
    ),
    (
        '9',
        [
            ".###.", "#...#", "#...#", ".####", "....#", "....#", ".###.",
        ],
    ),
    (
        'A',
        [
            ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
    ),
    (
        'B',
        [
            "####.", "#...#", "#...#", "####.", "#...#", "#...#", "####.",
        ],
    ),
    (
        'C',
        [
            ".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.",
        ],
    ),
    (
        'D',
        [
            "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####.",
        ],
    ),
    (
        'E',
        [
            "#####", "#....", "#....", "####.", "#....", "#....", "#####",
        ],
    ),
    (
        'F',
        [
            "#####", "#....", "#....", "####.", "#....", "#....", "#....",
        ],
    ),
    (
        'G',
        [
            ".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####",
        ],
    ),
    (
        'H',
        [
            "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
    ),
    (
        'I',
        [
            ".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.",
        ],
    ),
    (
        'J',
        [
            "..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##..",
        ],
    ),
    (
        'K',
        [
            "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#",
        ],
    ),
    (
        'L',
        [
            "#....", "#....", "#....", "#....", "#....", "#....", "#####",
        ],
    ),
    (
        'M',
        [
            "#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#",
        ],
    ),
    (
        'N',
        [
            "#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#",
        ],
    ),
    (
        'O',
        [
            ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
    ),
    (
        'P',
        [
            "####.", "#...#", "#...#", "####.", "#....", "#....", "#....",
        ],
    ),
    (
        'Q',
        [
            ".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#",
        ],
    ),
    (
        'R',
        [
            "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#",
        ],
    ),
    (
        'S',
        [
            ".####", "#....", "#....", ".###.", "....#", "....#", "####.",
        ],
    ),
    (
        'T',
        [
            "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..",
        ],
    ),
    (
        'U',
        [
            "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
    ),
    (
        'V',
        [
            "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..",
        ],
    ),
    (
        'W',
        [
            "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#.",
        ],
    ),
    (
        'X',
        [
            "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#",
        ],
    ),
    (
        'Y',
        [
            "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..",
        ],
    ),
    (
        'Z',
        [
            "#####", "....#", "...#.", "..#..", ".#...", "#....", "#####",
        ],
    ),
    (
        '+',
        [
            ".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....",
        ],
    ),
    (
        '-',
        [
            ".....", ".....", ".....", "#####", ".....", ".....", ".....",
        ],
    ),
    (
        '.',
        [
            ".....", ".....", ".....", ".....", ".....", ".##..", ".##..",
        ],
    ),
    (
        ',',
        [
            ".....", ".....", ".....", ".....", ".##..", "..#..", ".#...",
        ],
    ),
    (
        ':',
        [
            ".....", ".##..", ".##..", ".....", ".##..", ".##..", ".....",
        ],
    ),
    (
        '%',
        [
            "##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##",
        ],
    ),
    (
        '(',
        [
            "...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#.",
        ],
    ),
    (
        ')',
        [
            ".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#...",
        ],
    ),
    (
        '=',
        [
            ".....", ".....", "#####", ".....", "#####", ".....", ".....",
        ],
    ),
    (
        '/',
        [
            ".....", "....#", "...#.", "..#..", ".#...", "#....", ".....",
        ],
    ),
    (
        '|',
        [
            "..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..",
        ],
    ),
    (
        '?',
        [
            ".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#..",
        ],
    ),
];

/// The rows of `c`'s glyph; unknown characters (and space) draw nothing.
fn glyph(c: char) -> Option<&'static [&'static str; 7]> {
    let c = c.to_ascii_uppercase();
    GLYPHS.iter().find(|(g, _)| *g == c).map(|(_, rows)| rows)
}

/// Width in image pixels of `text` drawn at `scale` (one blank font pixel between glyphs).
pub(crate) fn text_width(text: &str, scale: u32) -> u32 {
    let n = text.chars().count() as u32;
    if n == 0 {
        0
    } else {
        (n * (GLYPH_WIDTH + 1) - 1) * scale
    }
}

/// Height in image pixels of a line drawn at `scale`.
pub(crate) fn text_height(scale: u32) -> u32 {
    GLYPH_HEIGHT * scale
}

/// Draws `text` with its top-left corner at (`x`, `y`); pixels outside the image are skipped.
pub(crate) fn draw_text(
    image: &mut RgbImage,
    x: u32,
    y: u32,
    text: &str,
    scale: u32,
    colour: Rgb<u8>,
) {
    for (i, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        let left = x + i as u32 * (GLYPH_WIDTH + 1) * scale;
        for (row, bits) in rows.iter().enumerate() {
            for (column, bit) in bits.bytes().enumerate() {
                if bit != b'#' {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (px, py) = (
                            left + column as u32 * scale + dx,
                            y + row as u32 * scale + dy,
                        );
                        if px < image.width() && py < image.height() {
                            image.put_pixel(px, py, colour);
                        }
                    }
                }
            }
        }
    }
}

/// Draws `text` centred on `centre_x`.
pub(crate) fn draw_text_centred(
    image: &mut RgbImage,
    centre_x: u32,
    y: u32,
    text: &str,
    scale: u32,
    colour: Rgb<u8>,
) {
    let x = centre_x.saturating_sub(text_width(text, scale) / 2);
    draw_text(image, x, y, text, scale, colour);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_are_well_formed_and_distinct() {
        for (c, rows) in GLYPHS {
            assert!(
                rows.iter().all(|row| row.len() == GLYPH_WIDTH as usize),
                "{c}"
            );
            assert!(rows.iter().any(|row| row.contains('#')), "{c} is blank");
        }
        for (i, (a, rows_a)) in GLYPHS.iter().enumerate() {
            for (b, rows_b) in &GLYPHS[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(rows_a, rows_b, "{a} and {b} look the same");
            }
        }
        assert_eq!(glyph('a'), glyph('A'));
        assert!(glyph(' ').is_none());
    }

    #[test]
    fn draws_the_right_pixels() {
        let mut image = RgbImage::from_pixel(20, 10, Rgb([255, 255, 255]));
        draw_text(&mut image, 1, 1, "1", 1, Rgb([0, 0, 0]));
        // '1': top row "..#..", so (1+2, 1) is ink and (1, 1) is not
        assert_eq!(image.get_pixel(3, 1), &Rgb([0, 0, 0]));
        assert_eq!(image.get_pixel(1, 1), &Rgb([255, 255, 255]));
        let ink = image.pixels().filter(|p| p.0 == [0, 0, 0]).count();
        assert_eq!(ink, 1 + 2 + 1 + 1 + 1 + 1 + 3);
        assert_eq!(text_width("12", 2), 22);
        // drawing past the edge is clipped, not a panic
        draw_text(&mut image, 18, 8, "88", 3, Rgb([0, 0, 0]));
    }
}
