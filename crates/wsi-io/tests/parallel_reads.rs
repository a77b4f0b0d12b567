//! Many threads reading one slide handle get exactly the pixels one thread gets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::external;
use rayon::prelude::*;
use wsi_io::{ImageSlide, OpenSlideSlide, Slide, open};

const fn assert_send_sync<T: Send + Sync + ?Sized>() {}
const _: () = assert_send_sync::<OpenSlideSlide>();
const _: () = assert_send_sync::<ImageSlide>();
const _: () = assert_send_sync::<dyn Slide>();

/// Level-0 corners of every 256 x 256 tile of the slide (edge tiles included).
fn tiles(slide: &dyn Slide) -> Vec<(i64, i64)> {
    let (w, h) = slide.dimensions();
    let (w, h) = (w as i64, h as i64);
    (0..h)
        .step_by(256)
        .flat_map(|y| (0..w).step_by(256).map(move |x| (x, y)))
        .collect()
}

#[test]
fn rayon_reads_equal_serial_reads() {
    let slide = open(external("cmu_small_region.svs")).unwrap();
    let corners = tiles(slide.as_ref());
    assert_eq!(corners.len(), 9 * 12);
    let serial: Vec<_> = corners
        .iter()
        .map(|&(x, y)| slide.read_region(x, y, 0, 256, 256).unwrap())
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(4)
        .build()
        .unwrap();
    let parallel: Vec<_> = pool.install(|| {
        corners
            .par_iter()
            .map(|&(x, y)| slide.read_region(x, y, 0, 256, 256).unwrap())
            .collect()
    });
    assert_eq!(serial.len(), parallel.len());
    for (i, (a, b)) in serial.iter().zip(&parallel).enumerate() {
        assert!(a == b, "tile {i} at {:?} differs", corners[i]);
    }
}

#[test]
fn a_shared_handle_works_from_plain_threads() {
    let slide: Arc<dyn Slide> = Arc::from(open(external("cmu_small_region.svs")).unwrap());
    let expected = slide.read_region(512, 768, 0, 64, 64).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let slide = Arc::clone(&slide);
            std::thread::spawn(move || {
                (0..10)
                    .map(|_| slide.read_region(512, 768, 0, 64, 64).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for img in h.join().unwrap() {
            assert!(img == expected);
        }
    }
}
