//! `cargo xtask bench-import`: the spreadsheet import's hot path, end to end.
//!
//! Generates a 1,000,000-row people CSV as Italian offices export it (Windows-1252, `;`, CRLF,
//! `dd/mm/yyyy`, accented names, valid codici fiscali, some with omocodia) from a fixed seed into
//! `target/bench-import/people-1m.csv` (kept between runs), then times a dry-run validation with
//! `skillhub_import::csv::read_people` and reports rows per second and peak RSS.
//! Goal (issue 19): at least 2,000,000 rows/s (1,000,000 rows in ≤ 0.5 s) and at most 32 MB
//! peak RSS. A debug build of xtask runs the
//! release build instead, so `cargo xtask bench import` measures optimised code.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use skillhub_core::codice_fiscale::{
    MONTH_LETTERS, OMOCODIA_LETTERS, OMOCODIA_POSITIONS, check_character,
};

/// Rows in the generated file.
pub const ROWS: u64 = 1_000_000;
/// The seed of the generator: the file is the same on every machine.
pub const SEED: u64 = 0x5EED_0003_B1A2_10F0;

/// Names in Windows-1252 bytes (`à` is 0xE0, `ò` 0xF2, `è` 0xE8).
const NAMES: [&[u8]; 8] = [
    b"Mario",
    b"Anna",
    b"Nicol\xF2",
    b"Lucia",
    b"Andrea",
    b"Giulia",
    b"Jos\xE8",
    b"Ilaria",
];
const SURNAMES: [&[u8]; 8] = [
    b"Rossi",
    b"Bianchi",
    b"D'Amico",
    b"Verdi",
    b"Esposito",
    b"Ferr\xE0",
    b"Romano",
    b"Colombo",
];

/// xorshift64*: small, fixed, good enough for test data.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn codice_fiscale(rng: &mut Rng, day: u64, month: usize, year: u64) -> [u8; 16] {
    let mut code = [0u8; 16];
    for slot in code.iter_mut().take(6) {
        *slot = b'A' + u8::try_from(rng.below(26)).unwrap_or(0);
    }
    let female = rng.below(2) == 1;
    let day = if female { day + 40 } else { day };
    let digits = |n: u64| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
    code[6..8].copy_from_slice(&digits(year));
    code[8] = MONTH_LETTERS[month];
    code[9..11].copy_from_slice(&digits(day));
    code[11] = if rng.below(20) == 0 {
        b'Z'
    } else {
        b'A' + u8::try_from(rng.below(26)).unwrap_or(0)
    };
    for slot in &mut code[12..15] {
        *slot = b'0' + u8::try_from(rng.below(10)).unwrap_or(0);
    }
    if rng.below(50) == 0 {
        let i = OMOCODIA_POSITIONS[6];
        code[i] = OMOCODIA_LETTERS[usize::from(code[i] - b'0')];
    }
    code[15] = check_character(&code[..15]).map_or(b'X', |c| c as u8);
    code
}

/// Writes the bench input unless it is already there.
pub fn generate(path: &Path) -> std::io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
    out.write_all(b"Nome;Cognome;E-mail;Codice fiscale;Data di nascita;Livello DigComp;Consenso privacy;Punteggio\r\n")?;
    let mut rng = Rng(SEED);
    for i in 0..ROWS {
        let name = NAMES[rng.below(8) as usize];
        let surname = SURNAMES[rng.below(8) as usize];
        let year = 1940 + rng.below(65);
        let month = rng.below(12) as usize;
        let day = 1 + rng.below(28);
        let cf = codice_fiscale(&mut rng, day, month, year);
        out.write_all(name)?;
        out.write_all(b";")?;
        out.write_all(surname)?;
        write!(out, ";persona{i}@example.it;")?;
        out.write_all(&cf)?;
        let consent: &[u8] = if rng.below(2) == 0 { b"S\xEC" } else { b"No" };
        write!(
            out,
            ";{day:02}/{:02}/{year};{};",
            month + 1,
            1 + rng.below(8)
        )?;
        out.write_all(consent)?;
        writeln!(out, ";{},{:02}\r", rng.below(100), rng.below(100))?;
    }
    out.flush()?;
    drop(out);
    fs::rename(tmp, path)
}

/// Peak resident set size of this process in kB (Linux), if known.
fn peak_rss_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn input_path() -> PathBuf {
    crate::root().join("target/bench-import/people-1m.csv")
}

/// Generates the input (once) and times a dry-run validation of it.
pub fn run() -> ExitCode {
    // A figure from an unoptimised build says nothing: measure the release build.
    if let Some(code) = crate::in_release(&["bench", "import"]) {
        return code;
    }
    let path = input_path();
    let started = Instant::now();
    if let Err(err) = generate(&path) {
        eprintln!("bench-import: cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    eprintln!(
        "bench-import: input {} ready in {:.1?}",
        path.display(),
        started.elapsed()
    );
    let file = match fs::File::open(&path) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("bench-import: cannot read {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let bytes = file.metadata().map_or(0, |m| m.len());
    let today = chrono::NaiveDate::from_ymd_opt(2019, 2, 1).unwrap_or_default();
    let options = skillhub_import::csv::ReadOptions::new(today);
    let started = Instant::now();
    let result = skillhub_import::csv::read_people("people-1m.csv", file, &options, |_| {}, |_| {});
    let elapsed = started.elapsed();
    let summary = match result {
        Ok(summary) => summary,
        Err(err) => {
            eprintln!("bench-import: the generated file does not validate:\n{err}");
            return ExitCode::FAILURE;
        }
    };
    let rate = summary.rows as f64 / elapsed.as_secs_f64();
    let rss_mb = peak_rss_kb().map_or(f64::NAN, |kb| kb as f64 / 1024.0);
    println!("| bench | rows | MB | time | rows/s | peak RSS MB | goal |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| import csv people (dry run, windows-1252) | {} | {:.1} | {:.3} s | {:.0} | {:.1} | ≥ 2,000,000 rows/s, ≤ 32 MB |",
        summary.rows,
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        rate,
        rss_mb
    );
    let ok = rate >= 2_000_000.0 && rss_mb <= 32.0;
    if !ok {
        eprintln!("bench-import: below the goal (≥ 2,000,000 rows/s, ≤ 32 MB peak RSS)");
    }
    ExitCode::SUCCESS
}
