//! Suppression against a brute-force reader: every assignment of the suppressed cells that agrees
//! with what a table shows is enumerated, and no suppressed cell may have a single value in all
//! of them.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// The values each cell of `shown` takes among all the assignments that agree with it and the
/// total as shown: `<5` is 1 to 4, `n.d.` 5 up to the total, an exact cell itself; the cells add
/// up to the total (any of 1 to 4 for a `<5` total). Walked cell by cell, so an oracle that
/// shares nothing with the interval arithmetic.
fn consistent_values(shown: &[Count], total: Count, true_total: u64) -> Vec<BTreeSet<u64>> {
    let totals: Vec<u64> = match total {
        Count::Exact(t) => vec![t],
        _ => (1..THRESHOLD).collect(),
    };
    let ceiling = true_total.max(THRESHOLD - 1);
    let mut seen = vec![BTreeSet::new(); shown.len()];
    for t in totals {
        let mut chosen = Vec::with_capacity(shown.len());
        walk(shown, t, ceiling, &mut chosen, &mut seen);
    }
    seen
}

fn walk(
    shown: &[Count],
    left: u64,
    ceiling: u64,
    chosen: &mut Vec<u64>,
    seen: &mut [BTreeSet<u64>],
) {
    let i = chosen.len();
    if i == shown.len() {
        if left == 0 {
            for (j, v) in chosen.iter().enumerate() {
                seen[j].insert(*v);
            }
        }
        return;
    }
    let values: Vec<u64> = match shown[i] {
        Count::Exact(n) => vec![n],
        Count::Small => (1..THRESHOLD).collect(),
        Count::Hidden => (THRESHOLD..=ceiling).collect(),
        Count::Withheld => (0..=ceiling).collect(),
    };
    for v in values.into_iter().filter(|v| *v <= left) {
        chosen.push(v);
        walk(shown, left - v, ceiling, chosen, seen);
        chosen.pop();
    }
}

/// Whether every suppressed cell of `shown` has two values or more, by enumeration.
fn safe_by_enumeration(shown: &[Count], total: Count, true_total: u64) -> bool {
    let values = consistent_values(shown, total, true_total);
    shown
        .iter()
        .zip(&values)
        .all(|(c, v)| c.is_exact() || v.len() >= 2)
}

fn check(cells: &[u64], expected: &[&str], total: &str) {
    let protected = protect(cells);
    let Protected::Cells {
        cells: shown,
        total: t,
    } = &protected
    else {
        panic!("{cells:?} withheld");
    };
    let texts: Vec<String> = shown.iter().map(|c| c.text_it()).collect();
    assert_eq!(texts, expected, "{cells:?}");
    assert_eq!(t.text_it(), total, "{cells:?}");
}

#[test]
fn examples() {
    check(&[10, 20, 0], &["10", "20", "0"], "30");
    // One small cell: the smallest other one goes too.
    check(&[120, 3, 40], &["120", "<5", "n.d."], "163");
    // Two small cells that add up to 2 are both 1: a third is hidden.
    check(&[1, 1, 30, 50], &["<5", "<5", "n.d.", "50"], "82");
    // Two small cells adding up to 5: 1+4, 2+3 … safe as they are.
    check(&[2, 3, 40], &["<5", "<5", "40"], "45");
    // A small total: every cell at most the total, nothing to hide further.
    check(&[1, 2, 0], &["<5", "<5", "0"], "<5");
    check(&[3], &["<5"], "<5");
    check(&[0, 0], &["0", "0"], "0");
    check(&[1_234_567, 5], &["1.234.567", "5"], "1.234.572");
    // [1, 5]: a `<5` beside an `n.d.` of at least 5 adding up to 6: both pinned.
    assert_eq!(
        protect(&[1, 5]),
        Protected::Withheld {
            total: Count::Exact(6)
        }
    );
    // Four ones: the `<5` total is 4 at most, so each one is 1.
    assert_eq!(
        protect(&[1, 1, 1, 1]),
        Protected::Withheld {
            total: Count::Small
        }
    );
    assert_eq!(Count::public(4), Count::Small);
    assert_eq!(Count::public(0), Count::Exact(0));
}

/// Breakdowns as they come: mostly large cells, some small, some empty.
fn row() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(
        prop_oneof![
            3 => 0u64..5,
            2 => 5u64..12,
            1 => 12u64..40,
        ],
        1..6,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// After protection, every suppressed cell has two or more values consistent with what is
    /// shown (by enumeration), and the interval arithmetic finds exactly those values.
    #[test]
    fn no_suppressed_cell_can_be_worked_out(cells in row()) {
        let total: u64 = cells.iter().sum();
        match protect(&cells) {
            Protected::Cells { cells: shown, total: shown_total } => {
                prop_assert_eq!(shown.len(), cells.len());
                let values = consistent_values(&shown, shown_total, total);
                for (i, (c, v)) in shown.iter().zip(&values).enumerate() {
                    // The truth is always among them.
                    prop_assert!(v.contains(&cells[i]), "{:?}: cell {} is {}, not in {:?}", cells, i, cells[i], v);
                    if !c.is_exact() {
                        prop_assert!(v.len() >= 2, "{:?} shown {:?}: cell {} is {:?}", cells, shown, i, v);
                        let range = range_of(&shown, shown_total, i).unwrap();
                        prop_assert_eq!(
                            (range.0, range.1),
                            (*v.first().unwrap(), *v.last().unwrap()),
                            "{:?} shown {:?}: cell {}", cells, shown, i
                        );
                        // And every value in between (the range is an interval).
                        prop_assert_eq!(v.len() as u64, range.1 - range.0 + 1);
                    }
                }
            }
            Protected::Withheld { total: shown_total } => {
                // Withheld only when hiding every cell that is not 0 still pins one down.
                let all: Vec<Count> = cells
                    .iter()
                    .map(|&n| match n {
                        0 => Count::Exact(0),
                        n if n < THRESHOLD => Count::Small,
                        _ => Count::Hidden,
                    })
                    .collect();
                prop_assert!(!safe_by_enumeration(&all, shown_total, total), "{:?}", cells);
                prop_assert_eq!(shown_total, Count::public(total));
                // What is shown instead (every cell `riservato`) pins none down.
                let withheld = vec![Count::Withheld; cells.len()];
                prop_assert!(safe_by_enumeration(&withheld, shown_total, total), "{:?}", cells);
            }
        }
    }

    /// Small cells are always suppressed and large ones shown unless the complementary rule
    /// needs them: a hidden cell appears only when the small cells alone could be worked out,
    /// and the hidden cells are the smallest of those that could have been shown.
    #[test]
    fn hides_no_more_than_needed(cells in row()) {
        let total: u64 = cells.iter().sum();
        let primary: Vec<Count> = cells.iter().map(|&n| Count::public(n)).collect();
        if let Protected::Cells { cells: shown, total: shown_total } = protect(&cells) {
            prop_assert_eq!(shown_total, Count::public(total));
            for (c, n) in shown.iter().zip(&cells) {
                match c {
                    Count::Exact(e) => prop_assert!(*e == *n && (*n == 0 || *n >= THRESHOLD)),
                    Count::Small => prop_assert!((1..THRESHOLD).contains(n)),
                    Count::Hidden => prop_assert!(*n >= THRESHOLD),
                    Count::Withheld => prop_assert!(false, "a withheld cell in a table of cells"),
                }
            }
            if shown.contains(&Count::Hidden) {
                prop_assert!(!safe_by_enumeration(&primary, shown_total, total), "{:?}", cells);
                let largest_hidden = shown.iter().zip(&cells).filter(|(c, _)| **c == Count::Hidden).map(|(_, n)| *n).max();
                let smallest_shown = shown.iter().zip(&cells).filter(|(c, n)| c.is_exact() && **n > 0).map(|(_, n)| *n).min();
                if let (Some(h), Some(s)) = (largest_hidden, smallest_shown) {
                    prop_assert!(h <= s, "{:?}: hid {} but showed {}", cells, h, s);
                }
            } else {
                prop_assert_eq!(shown, primary);
            }
        }
    }

    /// The exact (staff) table's cells always add up to its total.
    #[test]
    fn exact_cells_add_up(cells in row()) {
        let Protected::Cells { cells: shown, total } = Protected::exact(&cells) else {
            unreachable!("an exact table is never withheld");
        };
        let sum: u64 = shown.iter().filter_map(|c| c.exact()).sum();
        prop_assert_eq!(Count::Exact(sum), total);
    }
}
