//! A small hand-written SVG line chart: the application's p99 latency per second, one line
//! per mode, on a logarithmic latency axis (the single UPDATE's waits are seconds, a point
//! read is a fraction of a millisecond), with the 200 ms / 500 ms targets drawn in.

use std::fmt::Write as _;

/// One line of the chart.
pub struct Series {
    /// Legend text.
    pub label: String,
    /// (seconds since the backfill started, p99 ms) points.
    pub points: Vec<(f64, f64)>,
}

const W: f64 = 860.0;
const H: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 200.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLORS: [&str; 6] = [
    "#4d4d4d", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders the chart.
pub fn chart(title: &str, series: &[Series]) -> String {
    let pts = series.iter().flat_map(|s| s.points.iter());
    let x_min = pts.clone().map(|p| p.0).fold(0.0f64, f64::min);
    let x_max = pts.clone().map(|p| p.0 + 1.0).fold(1.0f64, f64::max);
    let y_top = pts.map(|p| p.1).fold(1000.0f64, f64::max);
    let (lo, hi) = (-1.0f64, y_top.log10().ceil());
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |v: f64| LEFT + (v - x_min) / (x_max - x_min) * pw;
    let y = |ms: f64| TOP + ph - (ms.max(0.1).log10() - lo) / (hi - lo) * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15">{}</text>"#,
        esc(title)
    );
    // Latency grid: one line per decade.
    let mut d = lo as i32;
    while d as f64 <= hi {
        let ms = 10f64.powi(d);
        let yy = y(ms);
        let label = if ms < 1.0 {
            format!("{ms} ms")
        } else if ms < 1000.0 {
            format!("{ms:.0} ms")
        } else {
            format!("{:.0} s", ms / 1000.0)
        };
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            LEFT + pw,
            LEFT - 6.0,
            yy + 4.0
        );
        d += 1;
    }
    for (ms, label) in [(200.0, "200 ms target"), (500.0, "500 ms hard limit")] {
        let yy = y(ms);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#999" stroke-dasharray="5,4"/><text x="{:.1}" y="{:.1}" fill="#777" font-size="10">{label}</text>"##,
            LEFT + pw,
            LEFT + 4.0,
            yy - 3.0
        );
    }
    // Time axis: a tick every `step` seconds.
    let span = x_max - x_min;
    let step = [1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0]
        .into_iter()
        .find(|st| span / st <= 12.0)
        .unwrap_or(600.0);
    let mut t = (x_min / step).ceil() * step;
    while t <= x_max {
        let xx = x(t);
        let _ = writeln!(
            s,
            r##"<line x1="{xx:.1}" y1="{:.1}" x2="{xx:.1}" y2="{:.1}" stroke="#333"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{t}</text>"##,
            TOP + ph,
            TOP + ph + 5.0,
            TOP + ph + 18.0
        );
        t += step;
    }
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">seconds since the backfill started (application p99 per 1-second bucket)</text>"#,
        LEFT + pw / 2.0,
        H - 12.0
    );
    for (i, ser) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = ser
            .points
            .iter()
            .map(|&(t, ms)| format!("{:.1},{:.1}", x(t + 0.5), y(ms)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{}"/>"#,
            path.join(" ")
        );
        let ly = TOP + 14.0 + i as f64 * 18.0;
        let lx = LEFT + pw + 12.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx:.1}" y1="{ly:.1}" x2="{:.1}" y2="{ly:.1}" stroke="{color}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 18.0,
            lx + 24.0,
            ly + 4.0,
            esc(&ser.label)
        );
    }
    s.push_str("</svg>\n");
    s
}
