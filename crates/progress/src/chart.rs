//! The progress report as an SVG bar chart that a person can read ("grafico di avanzamento").
//!
//! One horizontal bar per target, children indented under their parent: the bar is what was done
//! as a share of the goal (green when the pace reaches the goal by the deadline, red when it
//! does not, blue when there is no deadline to judge by); a pale bar behind it reaches the
//! projection at the deadline; a dark tick marks where a steady pace would be today. Under each
//! bar, the numbers in Italian. Shares above 100 % are drawn at 100 % and said in the text.
//!
//! Drawn with `plotters`' SVG backend only: it writes `<text>` elements and leaves the glyphs to
//! the viewer, so no font is read from the system and the output is the same on every machine
//! (plotters sizes text by a fixed estimate without font files, which is why the layout here
//! places every label itself instead of relying on plotters' automatic label areas).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ProgressReport, TargetProgress};
use skillhub_core::italian;

const WIDTH: u32 = 960;
const BAR_LEFT: i32 = 380;
const BAR_RIGHT: i32 = 920;
const TOP: i32 = 96;
const ROW: i32 = 62;
const BAR_HEIGHT: i32 = 22;
const PERCENT_TICKS: [u64; 5] = [0, 25, 50, 75, 100];

const ON_TRACK: RGBColor = RGBColor(46, 125, 50);
const BEHIND: RGBColor = RGBColor(198, 40, 40);
const UNKNOWN: RGBColor = RGBColor(31, 119, 180);
const TRACK: RGBColor = RGBColor(236, 236, 236);
const GRID: RGBColor = RGBColor(200, 200, 200);
const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(97, 97, 97);

/// Plotters writes a font size of `size / 1.24`; these are the sizes asked for.
const TITLE: f64 = 24.0;
const LABEL: f64 = 18.0;
const SMALL: f64 = 15.0;

impl ProgressReport {
    /// The report as an SVG document (see the module docs).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_progress::progress;
    /// let catalog = Catalog::seeds().unwrap();
    /// let program = catalog.program("community-skill-hubs").unwrap();
    /// let svg = progress(program, &[], NaiveDate::from_ymd_opt(2019, 6, 30).unwrap()).svg();
    /// assert!(svg.starts_with("<svg"));
    /// assert!(svg.contains("Candidati formati in aula"));
    /// ```
    pub fn svg(&self) -> String {
        let rows = i32::try_from(self.targets.len()).unwrap_or(0);
        let height = u32::try_from(TOP + rows * ROW + 70).unwrap_or(200);
        let mut out = String::new();
        // Drawing into a String cannot fail; a failure would leave the chart incomplete, not
        // wrong, so errors are ignored rather than unwrapped.
        {
            let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
            let _ = root.fill(&WHITE);
            let _ = self.draw(&root, i32::try_from(height).unwrap_or(200));
            let _ = root.present();
        }
        out
    }

    fn draw(
        &self,
        root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
        height: i32,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
        root.draw(&Text::new(
            format!("Avanzamento di {}", self.name),
            (20, 18),
            text(TITLE, &INK, HPos::Left, VPos::Top),
        ))?;
        root.draw(&Text::new(
            format!(
                "al {}, dall'avvio del {}: quota dell'obiettivo raggiunta",
                italian::short_date(self.today),
                italian::short_date(self.start)
            ),
            (20, 50),
            text(SMALL, &MUTED, HPos::Left, VPos::Top),
        ))?;
        for percent in PERCENT_TICKS {
            let x = bar_x(percent * 10);
            root.draw(&Text::new(
                format!("{percent} %"),
                (x, TOP - 12),
                text(SMALL, &MUTED, HPos::Center, VPos::Bottom),
            ))?;
        }
        for (i, target) in (0..).zip(&self.targets) {
            self.draw_row(root, target, TOP + i * ROW)?;
        }
        let legend_y = height - 34;
        let legend: [(i32, RGBColor, &str); 3] = [
            (20, ON_TRACK, "in linea con l'obiettivo"),
            (240, BEHIND, "in ritardo"),
            (370, TRACK, "proiezione alla scadenza"),
        ];
        for (x, color, label) in legend {
            let swatch = if color == TRACK {
                ON_TRACK.mix(0.3)
            } else {
                color.into()
            };
            root.draw(&Rectangle::new(
                [(x, legend_y), (x + 18, legend_y + 14)],
                swatch.filled(),
            ))?;
            root.draw(&Text::new(
                label,
                (x + 26, legend_y + 7),
                text(SMALL, &INK, HPos::Left, VPos::Center),
            ))?;
        }
        let x = 600;
        root.draw(&PathElement::new(
            vec![(x, legend_y - 3), (x, legend_y + 17)],
            INK.stroke_width(3),
        ))?;
        root.draw(&Text::new(
            "dove si dovrebbe essere oggi a ritmo costante",
            (x + 10, legend_y + 7),
            text(SMALL, &INK, HPos::Left, VPos::Center),
        ))?;
        Ok(())
    }

    fn draw_row(
        &self,
        root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
        t: &TargetProgress,
        y: i32,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
        let indent = 20 + 22 * i32::try_from(t.depth).unwrap_or(0);
        let label = if t.depth > 0 {
            format!("↳ {}", t.label_it)
        } else {
            t.label_it.clone()
        };
        let middle = y + BAR_HEIGHT / 2;
        root.draw(&Text::new(
            label,
            (indent, middle),
            text(LABEL, &INK, HPos::Left, VPos::Center),
        ))?;
        root.draw(&Rectangle::new(
            [(BAR_LEFT, y), (BAR_RIGHT, y + BAR_HEIGHT)],
            TRACK.filled(),
        ))?;
        for percent in PERCENT_TICKS {
            let x = bar_x(percent * 10);
            root.draw(&PathElement::new(
                vec![(x, y - 3), (x, y + BAR_HEIGHT + 3)],
                GRID.stroke_width(1),
            ))?;
        }
        let color = match t.on_track {
            Some(true) => ON_TRACK,
            Some(false) => BEHIND,
            None => UNKNOWN,
        };
        if let Some(projected) = t.projected {
            let x = bar_x(share(projected, t.goal));
            root.draw(&Rectangle::new(
                [(BAR_LEFT, y), (x, y + BAR_HEIGHT)],
                color.mix(0.3).filled(),
            ))?;
        }
        let x = bar_x(share(t.done, t.goal));
        root.draw(&Rectangle::new(
            [(BAR_LEFT, y), (x, y + BAR_HEIGHT)],
            color.filled(),
        ))?;
        if let Some(expected) = t.expected {
            let x = bar_x(share(expected, t.goal));
            root.draw(&PathElement::new(
                vec![(x, y - 4), (x, y + BAR_HEIGHT + 2)],
                INK.stroke_width(3),
            ))?;
        }
        let mut caption = format!(
            "{} su {} ({})",
            italian::thousands(t.done),
            italian::thousands(t.goal),
            t.percent_it()
        );
        if let Some(projected) = t.projected {
            caption.push_str(&format!(
                " · alla scadenza ~{}",
                italian::thousands(projected)
            ));
        }
        if let Some(deadline) = t.deadline {
            caption.push_str(&format!(" · entro il {}", italian::short_date(deadline)));
        }
        root.draw(&Text::new(
            caption,
            (BAR_LEFT, y + BAR_HEIGHT + 6),
            text(SMALL, &MUTED, HPos::Left, VPos::Top),
        ))?;
        Ok(())
    }
}

/// A sans-serif text style of `size`, `color`, anchored at `h`, `v`.
fn text(size: f64, color: &'static RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font())
        .color(color)
        .pos(Pos::new(h, v))
}

/// `part / whole` in tenths of a percent, at most 100 %.
fn share(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        return 1000;
    }
    u64::try_from((u128::from(part) * 1000 / u128::from(whole)).min(1000)).unwrap_or(1000)
}

/// The x of a share in tenths of a percent.
fn bar_x(tenths: u64) -> i32 {
    let width = i64::from(BAR_RIGHT - BAR_LEFT);
    let offset = width * i64::try_from(tenths.min(1000)).unwrap_or(1000) / 1000;
    BAR_LEFT + i32::try_from(offset).unwrap_or(0)
}
