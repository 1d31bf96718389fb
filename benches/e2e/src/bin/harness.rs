//! The end-to-end harness: runs the bare-wry `floor` app and the `switchboard` bench app
//! alternately (the order flips every round, to cancel the machine's drift), collects what
//! their pages measured, takes the median of each figure over the rounds, and prints every
//! Switchboard figure with its ratio to the floor measured in the same run.
//!
//! Usage: `harness [--rounds N] [--json PATH]`. Needs a display (`cargo xtask bench` starts
//! Xvfb when there is none). The apps are the release binaries beside this one.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// What one run of one app measured: figure per workload, plus its unit and direction.
#[derive(Default)]
struct Run {
    figures: BTreeMap<String, (f64, String, String)>,
    /// echo_struct's own floor (the page's codec time), when reported.
    inner_floor: Option<f64>,
}

/// One row of the table: the medians and the runs behind them.
struct Figure {
    workload: String,
    switchboard: f64,
    /// The eval/fetch floor (wry's own channel, `fetch`, or the page codec).
    floor: f64,
    /// The reply-route floor, for the rows it measures (NaN otherwise).
    floor_reply: f64,
    /// Whether lower figures are better.
    lower: bool,
    unit: String,
    switchboard_runs: Vec<f64>,
    floor_runs: Vec<f64>,
}

struct Target {
    workload: &'static str,
    /// The ratio switchboard / floor must be at most (`lower` is better) or at least (`higher`).
    limit: f64,
    /// An absolute figure the row must reach too (`higher` rows), if any.
    absolute: Option<f64>,
    text: &'static str,
}

/// Issue #15's targets: ratios to the fastest floor of the same run.
const TARGETS: &[Target] = &[
    Target {
        workload: "ping",
        limit: 1.1,
        absolute: None,
        text: "<= 1.1x fastest floor",
    },
    Target {
        workload: "ping_p99",
        limit: 1.5,
        absolute: None,
        text: "<= 1.5x floor p99",
    },
    Target {
        workload: "ping_concurrent",
        limit: 0.9,
        absolute: None,
        text: ">= 0.9x fastest floor",
    },
    Target {
        workload: "echo_struct",
        limit: 1.5,
        absolute: None,
        text: "<= 1.5x page codec",
    },
    Target {
        workload: "bulk",
        limit: 0.95,
        absolute: None,
        text: ">= 0.95x floor",
    },
    Target {
        workload: "events_1w",
        limit: 0.5,
        absolute: Some(1_000_000.0),
        text: ">= 0.5x floor, >= 1M/s",
    },
    Target {
        workload: "events_4w",
        limit: 0.8,
        absolute: None,
        text: ">= 0.8x floor",
    },
    Target {
        workload: "startup",
        limit: 1.1,
        absolute: None,
        text: "<= 1.1x floor",
    },
    Target {
        workload: "rss_total",
        limit: 1.1,
        absolute: None,
        text: "<= 1.1x floor",
    },
    Target {
        workload: "binary_size",
        limit: 1.8,
        absolute: None,
        text: "<= 1.8x floor",
    },
];

/// The name of the reply-route floor's figure for workload `w` (`ping_p99` ->
/// `ping_reply_p99`), when the floor measures one.
fn reply_name(w: &str) -> Option<String> {
    for head in ["ping_concurrent", "ping"] {
        if let Some(rest) = w.strip_prefix(head) {
            if rest.is_empty() || rest.starts_with("_p") {
                return Some(format!("{head}_reply{rest}"));
            }
        }
    }
    None
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = flag(&args, "--rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let here = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let json_path = flag(&args, "--json")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../bench/e2e.json"));
    let apps = ["floor", "switchboard-app"].map(|name| here.join(name));
    for app in &apps {
        if !app.exists() {
            eprintln!("harness: {} is missing: build with `cargo build --release -p switchboard-bench-e2e --bins`", app.display());
            std::process::exit(2);
        }
    }

    let mut runs: [Vec<Run>; 2] = [Vec::new(), Vec::new()];
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            eprintln!(
                "harness: round {} of {rounds}: {} (load {})",
                round + 1,
                apps[i].display(),
                load_average()
            );
            match run_once(&apps[i]) {
                Ok(run) => runs[i].push(run),
                Err(e) => {
                    eprintln!("harness: {} failed: {e}", apps[i].display());
                    std::process::exit(1);
                }
            }
        }
    }
    let sizes = apps.map(|app| stripped_size(&app));

    let mut rows = Vec::new();
    println!();
    println!(
        "{:<16} {:>13} {:>13} {:>13} {:>7}  {:<30} unit",
        "workload", "switchboard", "floor", "floor_reply", "ratio", "target (to the fastest floor)"
    );
    let workloads: Vec<String> = runs[1]
        .first()
        .map(|r| r.figures.keys().cloned().collect())
        .unwrap_or_default();
    let mut all: Vec<Figure> = Vec::new();
    for w in &workloads {
        let sb: Vec<f64> = runs[1]
            .iter()
            .filter_map(|r| r.figures.get(w).map(|f| f.0))
            .collect();
        let unit = runs[1][0].figures[w].1.clone();
        let lower = runs[1][0].figures[w].2 != "higher";
        let floor_of = |name: &str| -> Vec<f64> {
            runs[0]
                .iter()
                .filter_map(|r| r.figures.get(name).map(|f| f.0))
                .collect()
        };
        let floor: Vec<f64> = if w == "echo_struct" {
            runs[1].iter().filter_map(|r| r.inner_floor).collect()
        } else {
            floor_of(w)
        };
        let floor_reply = reply_name(w).map(|n| floor_of(&n)).unwrap_or_default();
        all.push(Figure {
            workload: w.clone(),
            switchboard: median(&sb),
            floor: median(&floor),
            floor_reply: median(&floor_reply),
            lower,
            unit,
            switchboard_runs: sb,
            floor_runs: floor.into_iter().chain(floor_reply).collect(),
        });
    }
    if let (Some(floor), Some(sb)) = (sizes[0], sizes[1]) {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        all.push(Figure {
            workload: "binary_size".into(),
            switchboard: mib(sb),
            floor: mib(floor),
            floor_reply: f64::NAN,
            lower: true,
            unit: "MiB".into(),
            switchboard_runs: vec![mib(sb)],
            floor_runs: vec![mib(floor)],
        });
    }
    let mut missed = 0;
    for f in &all {
        let (w, sb, unit) = (&f.workload, f.switchboard, &f.unit);
        // the fastest floor of this run
        let floor = match (f.floor.is_finite(), f.floor_reply.is_finite()) {
            (true, true) if f.lower => f.floor.min(f.floor_reply),
            (true, true) => f.floor.max(f.floor_reply),
            (false, true) => f.floor_reply,
            _ => f.floor,
        };
        let ratio = sb / floor;
        let target = TARGETS.iter().find(|t| t.workload == w);
        let (text, met) = match target {
            Some(t) if t.text.starts_with(">=") => (
                t.text,
                ratio >= t.limit && t.absolute.is_none_or(|a| sb >= a),
            ),
            Some(t) => (t.text, ratio <= t.limit),
            None => ("", true),
        };
        if target.is_some() && !met {
            missed += 1;
        }
        let reply = if f.floor_reply.is_finite() {
            format!("{:.2}", f.floor_reply)
        } else {
            "-".to_owned()
        };
        println!(
            "{:<16} {:>13.2} {:>13.2} {:>13} {:>6.2}x  {:<30} {}",
            w,
            sb,
            f.floor,
            reply,
            ratio,
            format!("{text}{}", if met { "" } else { " MISSED" }),
            unit
        );
        rows.push(json!({
            "workload": w, "figure": sb, "unit": unit, "floor": f.floor,
            "floor_reply": f.floor_reply.is_finite().then_some(f.floor_reply),
            "fastest_floor": floor, "ratio": ratio,
            "target": text, "met": met, "runs": f.switchboard_runs, "floor_runs": f.floor_runs,
        }));
    }
    let report = json!({
        "rounds": rounds,
        "machine": machine(),
        "results": rows,
    });
    if let Some(dir) = json_path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(
        &json_path,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    ) {
        Ok(()) => println!("\nharness: wrote {}", json_path.display()),
        Err(e) => eprintln!("harness: could not write {}: {e}", json_path.display()),
    }
    // the floor's own probes (no Switchboard row): medians, for the README
    let probes: BTreeMap<String, Vec<f64>> = runs[0]
        .iter()
        .flat_map(|r| r.figures.iter())
        .filter(|(w, _)| w.starts_with("probe_"))
        .fold(BTreeMap::new(), |mut m, (w, f)| {
            m.entry(w.clone()).or_default().push(f.0);
            m
        });
    for (w, figures) in &probes {
        println!(
            "{:<24} {:>13.2} (floor probe, median of {})",
            w,
            median(figures),
            figures.len()
        );
    }
    let targets = all
        .iter()
        .filter(|f| TARGETS.iter().any(|t| t.workload == f.workload))
        .count();
    println!(
        "harness: {missed} of {targets} targets missed; load average {}",
        load_average()
    );
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Run one app until it prints `DONE`, reading its figures; startup and memory are read here.
fn run_once(app: &Path) -> Result<Run, String> {
    let started = Instant::now();
    let mut child = Command::new(app)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("could not start: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((line, Instant::now())).is_err() {
                break;
            }
        }
    });
    let mut run = Run::default();
    let result = loop {
        let left = RUN_TIMEOUT.saturating_sub(started.elapsed());
        let Ok((line, at)) = rx.recv_timeout(left) else {
            break Err(format!("no DONE within {} s", RUN_TIMEOUT.as_secs()));
        };
        if line == "READY" {
            let ms = at.duration_since(started).as_secs_f64() * 1000.0;
            run.figures
                .insert("startup".into(), (ms, "ms".into(), "lower".into()));
            let rss = tree_rss_kib(child.id()) as f64 / 1024.0;
            run.figures
                .insert("rss_total".into(), (rss, "MiB".into(), "lower".into()));
        } else if let Some(json) = line.strip_prefix("RESULT ") {
            let v: Value =
                serde_json::from_str(json).map_err(|e| format!("bad RESULT line {json}: {e}"))?;
            let workload = v["workload"].as_str().unwrap_or("?").to_owned();
            if workload == "error" {
                break Err(format!("the page failed: {}", v["message"]));
            }
            let figure = v["figure"].as_f64().unwrap_or(f64::NAN);
            if let Some(inner) = v["floor"].as_f64() {
                run.inner_floor = Some(inner);
            }
            let unit = v["unit"].as_str().unwrap_or("").to_owned();
            let better = v["better"].as_str().unwrap_or("").to_owned();
            run.figures.insert(workload, (figure, unit, better));
        } else if line == "DONE" {
            break Ok(());
        }
    };
    stop(&mut child);
    result.map(|()| run)
}

fn stop(child: &mut Child) {
    if let Ok(None) = child.try_wait() {
        thread::sleep(Duration::from_millis(300));
        if let Ok(None) = child.try_wait() {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
}

/// Resident memory of a process and all its descendants (WebKit's web and network processes
/// are children of the app), in KiB.
fn tree_rss_kib(root: u32) -> u64 {
    let mut total = 0;
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            total += status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0);
        }
        if let Ok(children) = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")) {
            stack.extend(
                children
                    .split_whitespace()
                    .filter_map(|c| c.parse::<u32>().ok()),
            );
        }
    }
    total
}

fn stripped_size(app: &Path) -> Option<u64> {
    let out = std::env::temp_dir().join(format!(
        "switchboard-bench-stripped-{}",
        app.file_name()?.to_string_lossy()
    ));
    let ok = Command::new("strip")
        .arg("-o")
        .arg(&out)
        .arg(app)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let size = if ok {
        std::fs::metadata(&out).ok().map(|m| m.len())
    } else {
        None
    };
    let _ = std::fs::remove_file(&out);
    size
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    json!({ "cpu": cpu, "cores": cores, "date": date(), "load_average": load_average() })
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// `/proc/loadavg`'s three averages (the machine is shared: every figure comes with it).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
