//! App icons: the default one a new app starts with, and the standard sizes a package
//! installs (`usr/share/icons/hicolor/<n>x<n>/apps/`), made from one PNG.

use std::io::Cursor;
use std::path::Path;

use image::imageops::FilterType;
use image::{ImageFormat, Rgba, RgbaImage};

use crate::failure::{Context, Failure, Result};

/// The sizes installed under `hicolor` (the freedesktop.org icon theme spec's common ones).
pub(crate) const SIZES: &[u32] = &[16, 32, 48, 64, 128, 256, 512];

/// A 512×512 icon: a rounded square in a colour picked from the app's name, with a ring and
/// three nodes (a switchboard).
pub(crate) fn default_png(name: &str) -> Result<Vec<u8>> {
    const N: u32 = 512;
    let hash = name
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let hue = (hash % 360) as f32;
    let (r, g, b) = hsl(hue, 0.55, 0.45);
    let mut img = RgbaImage::new(N, N);
    let radius = 96.0f32;
    let nodes = [(256.0f32, 150.0f32), (164.0, 330.0), (348.0, 330.0)];
    for (x, y, px) in img.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        // rounded square: distance outside the inner rectangle
        let dx = (fx - 256.0).abs() - (256.0 - radius);
        let dy = (fy - 256.0).abs() - (256.0 - radius);
        let outside = dx.max(0.0).hypot(dy.max(0.0)) - radius;
        if outside > 0.0 {
            *px = Rgba([0, 0, 0, 0]);
            continue;
        }
        let shade = 1.0 - fy / N as f32 * 0.25;
        let mut colour = [
            (f32::from(r) * shade) as u8,
            (f32::from(g) * shade) as u8,
            (f32::from(b) * shade) as u8,
        ];
        let ring = ((fx - 256.0).hypot(fy - 256.0) - 170.0).abs() < 14.0;
        let node = nodes.iter().any(|(nx, ny)| (fx - nx).hypot(fy - ny) < 38.0);
        let wire = nodes
            .iter()
            .any(|(nx, ny)| distance_to_segment(fx, fy, 256.0, 256.0, *nx, *ny) < 9.0);
        if ring || node || wire {
            colour = [250, 250, 250];
        }
        *px = Rgba([colour[0], colour[1], colour[2], 255]);
    }
    encode(&img)
}

fn distance_to_segment(px: f32, py: f32, ax: f32, ay: f32, bx: f32, by: f32) -> f32 {
    let (vx, vy) = (bx - ax, by - ay);
    let t = (((px - ax) * vx + (py - ay) * vy) / (vx * vx + vy * vy)).clamp(0.0, 1.0);
    (px - (ax + t * vx)).hypot(py - (ay + t * vy))
}

fn hsl(h: f32, s: f32, l: f32) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match h as u32 / 60 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (byte(r), byte(g), byte(b))
}

fn encode(img: &RgbaImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .context(|| "encoding a PNG".to_owned())?;
    Ok(out.into_inner())
}

/// The icon at every size of [`SIZES`], as PNG files: `(size, bytes)`.
pub(crate) fn sizes(source: &Path) -> Result<Vec<(u32, Vec<u8>)>> {
    let img = image::open(source)
        .map_err(|e| {
            Failure::new(format!("cannot read the icon {}: {e}", source.display()))
                .next("point `bundle.icon` in switchboard.toml at a square PNG, 512×512 or larger")
        })?
        .to_rgba8();
    if img.width() != img.height() {
        return Err(Failure::new(format!(
            "the icon {} is {}×{}, not square",
            source.display(),
            img.width(),
            img.height()
        ))
        .next("use a square PNG, 512×512 or larger"));
    }
    SIZES
        .iter()
        .map(|&n| {
            let resized = image::imageops::resize(&img, n, n, FilterType::Lanczos3);
            encode(&resized).map(|png| (n, png))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_icon_comes_in_every_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("icon.png");
        std::fs::write(&path, default_png("demo").unwrap()).unwrap();
        let all = sizes(&path).unwrap();
        assert_eq!(all.len(), SIZES.len());
        for (n, png) in all {
            let img = image::load_from_memory(&png).unwrap();
            assert_eq!((img.width(), img.height()), (n, n));
        }
    }
}
