//! Small-cell suppression ("soppressione delle celle piccole"): what a public table may show of
//! a set of counts that add up to a total, so that nobody can learn that one, two, three or four
//! people are in a cell, either from the cell or by arithmetic on what is shown.
//!
//! - **Primary.** A cell of 1 to 4 is shown as `<5` ([`Count::Small`]); 0 stays 0 (an empty
//!   cell reveals nobody). A total of 1 to 4 is itself small and shown as `<5`.
//! - **Complementary.** A reader knows the total, the cells shown, that every `<5` is 1 to 4 and
//!   (since every 1 to 4 is shown as `<5`) that every hidden cell is 5 or more. From these, each
//!   suppressed cell has a range of possible values; when some range has one value only (one
//!   `<5` cell: the total minus the others; two `<5` whose sum must be 2: both 1), the smallest
//!   cell still shown (not 0) is hidden too ([`Count::Hidden`], shown as `n.d.`), and again,
//!   until every suppressed cell's range has at least two values.
//! - **Withheld.** When even hiding every cell leaves a range of one value (`[1, 5]`: a `<5`
//!   and an `n.d.` of at least 5 that add up to 6), the whole table is withheld
//!   ([`Protected::Withheld`]): the total alone is shown (every cell could then be anything from
//!   0 to the total). The total is not suppressed instead, because the same total is the count of
//!   the period that the other tables of a report show.
//!
//! The ranges are intervals of whole numbers, so a range is found by interval arithmetic (the
//! sum of the others lies between the sum of their lowest and the sum of their highest values);
//! the tests check it against a brute-force enumeration of every assignment.

use serde::Serialize;

/// The smallest count a public table shows as it is (besides 0).
pub const THRESHOLD: u64 = 5;

/// A count as a table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "shown", content = "value")]
pub enum Count {
    /// The count itself.
    Exact(u64),
    /// 1 to 4, shown as `<5` (primary suppression).
    Small,
    /// 5 or more, hidden so that no small cell can be worked out from the total (complementary
    /// suppression), shown as `n.d.` ("non divulgato").
    Hidden,
    /// A cell of a withheld table ([`Protected::Withheld`]): anything from 0 to the total, shown
    /// as `riservato`.
    Withheld,
}

impl Count {
    /// The count as a public table shows a number standing alone: 1 to 4 as `<5`.
    pub fn public(n: u64) -> Count {
        if (1..THRESHOLD).contains(&n) {
            Count::Small
        } else {
            Count::Exact(n)
        }
    }

    /// The count, when shown.
    pub fn exact(self) -> Option<u64> {
        match self {
            Count::Exact(n) => Some(n),
            Count::Small | Count::Hidden | Count::Withheld => None,
        }
    }

    /// Whether it is shown as it is.
    pub fn is_exact(self) -> bool {
        matches!(self, Count::Exact(_))
    }

    /// In Italian: `1.234`, `<5` or `n.d.`.
    pub fn text_it(self) -> String {
        match self {
            Count::Exact(n) => skillhub_core::italian::thousands(n),
            Count::Small => "<5".to_owned(),
            Count::Hidden => "n.d.".to_owned(),
            Count::Withheld => "riservato".to_owned(),
        }
    }
}

/// A row of counts and their total, protected for a public table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "table")]
pub enum Protected {
    /// Cells in the input's order, and the total.
    Cells {
        /// Each cell as shown.
        cells: Vec<Count>,
        /// The total as shown.
        total: Count,
    },
    /// No cell can be shown: the total alone.
    Withheld {
        /// The total as shown.
        total: Count,
    },
}

impl Protected {
    /// Every count shown as it is (a staff-only table).
    pub fn exact(cells: &[u64]) -> Protected {
        Protected::Cells {
            cells: cells.iter().map(|&n| Count::Exact(n)).collect(),
            total: Count::Exact(cells.iter().sum()),
        }
    }

    /// The total as shown.
    pub fn total(&self) -> Count {
        match self {
            Protected::Cells { total, .. } | Protected::Withheld { total } => *total,
        }
    }

    /// Cell `i` as shown ([`Count::Withheld`] for a withheld table; `None` past the end of a
    /// table of cells).
    pub fn cell(&self, i: usize) -> Option<Count> {
        match self {
            Protected::Cells { cells, .. } => cells.get(i).copied(),
            Protected::Withheld { .. } => Some(Count::Withheld),
        }
    }
}

/// Protects counts that add up to their total for a public table (see the module docs).
///
/// ```
/// use skillhub_progress::suppress::{Count, Protected, protect};
/// // One small cell would be the total minus the others: the smallest other is hidden too.
/// assert_eq!(protect(&[120, 3, 40]), Protected::Cells {
///     cells: vec![Count::Exact(120), Count::Small, Count::Hidden],
///     total: Count::Exact(163),
/// });
/// // Two small cells whose sum can be 5, 6 or 7 … are safe together.
/// assert_eq!(protect(&[50, 2, 4]).cell(1), Some(Count::Small));
/// ```
pub fn protect(cells: &[u64]) -> Protected {
    let total: u64 = cells.iter().sum();
    let total_shown = Count::public(total);
    let mut shown: Vec<Count> = cells.iter().map(|&n| Count::public(n)).collect();
    loop {
        if is_safe(&shown, total_shown, cells) {
            return Protected::Cells {
                cells: shown,
                total: total_shown,
            };
        }
        // The smallest cell still shown that is not 0, the first of equals.
        let next = shown
            .iter()
            .zip(cells)
            .enumerate()
            .filter(|(_, (count, n))| count.is_exact() && **n > 0)
            .min_by_key(|(i, (_, n))| (**n, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => shown[i] = Count::Hidden,
            None => return Protected::Withheld { total: total_shown },
        }
    }
}

/// The values a reader can tell a suppressed cell has, from the total and the other cells as
/// shown: whole numbers from `.0` to `.1` (`None` when nothing is consistent, which only a
/// shown row that is not the protection of its counts can give).
///
/// `shown` and `total` as a table shows them; the sum of the suppressed cells is the total less
/// the exact cells (when the total is `<5`, anywhere from 1 to 4 less them).
pub fn range_of(shown: &[Count], total: Count, i: usize) -> Option<(u64, u64)> {
    let exact: u64 = shown.iter().filter_map(|c| c.exact()).sum();
    // The highest value of a hidden cell: the total (or 4, for a `<5` total).
    let ceiling = match total {
        Count::Exact(t) => t,
        Count::Small | Count::Hidden | Count::Withheld => THRESHOLD - 1,
    };
    let bounds = |c: Count| match c {
        Count::Exact(n) => (n, n),
        Count::Small => (1, THRESHOLD - 1),
        Count::Hidden => (THRESHOLD, ceiling.max(THRESHOLD)),
        Count::Withheld => (0, ceiling),
    };
    let (sum_low, sum_high) = match total {
        Count::Exact(t) => (t.checked_sub(exact)?, t.checked_sub(exact)?),
        Count::Small | Count::Hidden | Count::Withheld => (
            1u64.saturating_sub(exact),
            (THRESHOLD - 1).checked_sub(exact)?,
        ),
    };
    let (others_low, others_high) = shown
        .iter()
        .enumerate()
        .filter(|(j, c)| *j != i && !c.is_exact())
        .fold((0u64, 0u64), |(lo, hi), (_, c)| {
            let (l, h) = bounds(*c);
            (lo + l, hi + h)
        });
    let (own_low, own_high) = bounds(*shown.get(i)?);
    let low = own_low.max(sum_low.saturating_sub(others_high));
    let high = own_high.min(sum_high.checked_sub(others_low)?);
    (low <= high).then_some((low, high))
}

/// Whether every suppressed cell has at least two possible values. `cells` (the true counts)
/// only bound the check to rows that are protections of them.
fn is_safe(shown: &[Count], total: Count, cells: &[u64]) -> bool {
    debug_assert_eq!(shown.len(), cells.len());
    (0..shown.len())
        .filter(|&i| !shown[i].is_exact())
        .all(|i| range_of(shown, total, i).is_some_and(|(low, high)| high > low))
}

#[cfg(test)]
mod tests;
