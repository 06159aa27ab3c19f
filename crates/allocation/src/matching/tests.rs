//! Tests of the solver (stability, optimality against brute force) and of the JSON format.

use proptest::prelude::*;

use super::*;

type Lists = (Vec<Vec<u32>>, Vec<(u32, Vec<u32>)>);

fn instance(lists: &Lists) -> Instance {
    Instance::new(lists.0.clone(), lists.1.clone()).unwrap()
}

/// Position of `p` in `a`'s list, `len` for "unassigned": smaller is better for `a`.
fn choice_index(instance: &Instance, a: u32, p: Option<u32>) -> usize {
    let choices = instance.choices(a);
    p.and_then(|p| choices.iter().position(|&q| q == p))
        .unwrap_or(choices.len())
}

/// Every assigned pair acceptable and no provider over capacity.
fn valid(instance: &Instance, assignment: &[Option<u32>]) -> bool {
    let mut load = vec![0u32; instance.providers() as usize];
    for (a, p) in assignment.iter().enumerate() {
        if let Some(p) = *p {
            if !instance.is_acceptable(a as u32, p) {
                return false;
            }
            load[p as usize] += 1;
        }
    }
    (0..instance.providers()).all(|p| load[p as usize] <= instance.capacity(p))
}

/// Acceptable pairs `(a, p)` where `a` prefers `p` to its lot and `p` has room or prefers `a`.
fn blocking_pairs(instance: &Instance, assignment: &[Option<u32>]) -> Vec<(u32, u32)> {
    let m = instance.providers() as usize;
    let mut load = vec![0u32; m];
    let mut worst = vec![None::<u32>; m];
    for (a, p) in assignment.iter().enumerate() {
        if let Some(p) = *p {
            load[p as usize] += 1;
            let r = instance.provider_rank(a as u32, p).unwrap_or(u32::MAX);
            worst[p as usize] = Some(worst[p as usize].map_or(r, |w| w.max(r)));
        }
    }
    let mut blocking = Vec::new();
    for (a, current) in assignment.iter().enumerate() {
        let a = a as u32;
        let mine = choice_index(instance, a, *current);
        for &p in &instance.choices(a)[..mine] {
            let Some(r) = instance.provider_rank(a, p) else {
                continue;
            };
            let pi = p as usize;
            if load[pi] < instance.capacity(p) || worst[pi].is_some_and(|w| r < w) {
                blocking.push((a, p));
            }
        }
    }
    blocking
}

/// Every valid, stable assignment, by enumerating all assignments of acceptable pairs.
fn all_stable(instance: &Instance) -> Vec<Vec<Option<u32>>> {
    let n = instance.applicants();
    let options: Vec<Vec<Option<u32>>> = (0..n)
        .map(|a| {
            let mut o = vec![None];
            o.extend(
                instance
                    .choices(a)
                    .iter()
                    .filter(|&&p| instance.is_acceptable(a, p))
                    .map(|&p| Some(p)),
            );
            o
        })
        .collect();
    let mut stable = Vec::new();
    let mut digits = vec![0usize; n as usize];
    loop {
        let assignment: Vec<Option<u32>> =
            digits.iter().zip(&options).map(|(&d, o)| o[d]).collect();
        if valid(instance, &assignment) && blocking_pairs(instance, &assignment).is_empty() {
            stable.push(assignment);
        }
        // Next assignment, like an odometer.
        let mut i = 0;
        loop {
            if i == digits.len() {
                return stable;
            }
            digits[i] += 1;
            if digits[i] < options[i].len() {
                break;
            }
            digits[i] = 0;
            i += 1;
        }
    }
}

/// `k` numbers `0..k` in random order, cut at a random length: a random ranked list.
fn ranked_subset(k: usize) -> impl Strategy<Value = Vec<u32>> {
    (
        Just((0..k as u32).collect::<Vec<_>>()).prop_shuffle(),
        0..=k,
    )
        .prop_map(|(list, len)| list[..len].to_vec())
}

fn lists(max_n: usize, max_m: usize, max_cap: u32) -> impl Strategy<Value = Lists> {
    (0..=max_n, 0..=max_m).prop_flat_map(move |(n, m)| {
        (
            proptest::collection::vec(ranked_subset(m), n),
            proptest::collection::vec((0..=max_cap, ranked_subset(n)), m),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// On small instances (≤ 7 applicants, ≤ 3 providers, unacceptable pairs, capacity 0), the
    /// solver's matching is stable, and every applicant weakly prefers it to every stable
    /// matching found by brute force: it is the applicant-optimal one.
    #[test]
    fn applicant_optimal_by_brute_force(lists in lists(7, 3, 3)) {
        let instance = instance(&lists);
        let ours: Vec<Option<u32>> = solve(&instance).iter().collect();
        let stable = all_stable(&instance);
        prop_assert!(stable.contains(&ours), "not stable: {:?}", ours);
        for other in &stable {
            for a in 0..instance.applicants() {
                prop_assert!(
                    choice_index(&instance, a, ours[a as usize]) <= choice_index(&instance, a, other[a as usize]),
                    "applicant {} prefers {:?} to ours {:?}", a, other, ours
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// On larger instances: acceptable pairs only, capacities respected, no blocking pair.
    #[test]
    fn stable_and_within_capacity(lists in lists(60, 8, 6)) {
        let instance = instance(&lists);
        let matching = solve(&instance);
        prop_assert_eq!(matching.len(), lists.0.len());
        let assignment: Vec<Option<u32>> = matching.iter().collect();
        prop_assert!(valid(&instance, &assignment));
        prop_assert_eq!(blocking_pairs(&instance, &assignment), vec![]);
    }

    /// Reading the JSON of an instance (ids with characters that need escaping, sections in
    /// either order) gives back the same dense instance and ids.
    #[test]
    fn json_round_trip(lists in lists(12, 5, 4), providers_first in any::<bool>(), funny in any::<bool>()) {
        let (applicant_ids, provider_ids) = ids(&lists, funny);
        let text = to_json(&lists, &applicant_ids, &provider_ids, providers_first);
        let parsed = ParsedInstance::parse(&text).unwrap();
        prop_assert_eq!(parsed.instance(), &instance(&lists));
        for (a, id) in applicant_ids.iter().enumerate() {
            prop_assert_eq!(parsed.applicant_id(a as u32), Some(id.as_str()));
        }
        for (p, id) in provider_ids.iter().enumerate() {
            prop_assert_eq!(parsed.provider_id(p as u32), Some(id.as_str()));
        }
        let written = parsed.write_assignment(&solve(parsed.instance()));
        let value: serde_json::Value = serde_json::from_str(&written).unwrap();
        let assignment = value["assignment"].as_object().unwrap();
        prop_assert_eq!(assignment.len(), applicant_ids.len());
        let matching = solve(&instance(&lists));
        for (a, id) in applicant_ids.iter().enumerate() {
            let expected = matching.provider(a as u32).map(|p| provider_ids[p as usize].clone());
            prop_assert_eq!(assignment[id].as_str().map(str::to_owned), expected);
        }
    }

    /// Arbitrary text never panics the reader.
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = ParsedInstance::parse(&text);
    }

    /// JSON-like text never panics the reader, and whatever reads also solves and writes.
    #[test]
    fn json_like_text_never_panics(text in r#"[{}\[\]",:a-c0-9 \-.ep/~\\]{0,80}"#) {
        if let Ok(parsed) = ParsedInstance::parse(&text) {
            let _ = parsed.write_assignment(&solve(parsed.instance()));
        }
    }

    /// Valid JSON with characters deleted, inserted or replaced never panics the reader; a
    /// mutation that still reads gives an output that is JSON.
    #[test]
    fn mutated_json_never_panics(
        lists in lists(6, 3, 3),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
            vec!['{', '}', '[', ']', '"', ',', ':', '0', '-', '1', '.', 'a', 'p', ' ', '\\', 'e', 'n', 'u', '/', '~', 'é'],
        )), 1..6),
    ) {
        let (applicant_ids, provider_ids) = ids(&lists, false);
        let mut chars: Vec<char> = to_json(&lists, &applicant_ids, &provider_ids, false).chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 if i < chars.len() => { chars.remove(i); }
                1 => chars.insert(i, c),
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(parsed) = ParsedInstance::parse(&text) {
            let written = parsed.write_assignment(&solve(parsed.instance()));
            prop_assert!(serde_json::from_str::<serde_json::Value>(&written).is_ok(), "{}", written);
        }
    }
}

/// Ids for the dense numbers; "funny" ones need escaping in JSON and in pointers.
fn ids(lists: &Lists, funny: bool) -> (Vec<String>, Vec<String>) {
    let name = |prefix: &str, i: usize| {
        if funny {
            ["", "a/b", "~0", "q\"uote", "é\n", "\\"][i % 6].to_owned() + prefix + &i.to_string()
        } else {
            format!("{prefix}{i}")
        }
    };
    (
        (0..lists.0.len()).map(|i| name("a", i)).collect(),
        (0..lists.1.len()).map(|i| name("p", i)).collect(),
    )
}

fn to_json(
    lists: &Lists,
    applicant_ids: &[String],
    provider_ids: &[String],
    providers_first: bool,
) -> String {
    let quote = |s: &str| serde_json::to_string(s).unwrap();
    let list = |ids: &[String], numbers: &[u32]| {
        let items: Vec<String> = numbers.iter().map(|&i| quote(&ids[i as usize])).collect();
        format!("[{}]", items.join(", "))
    };
    let applicants: Vec<String> = lists
        .0
        .iter()
        .enumerate()
        .map(|(a, choices)| {
            format!(
                "{}: {}",
                quote(&applicant_ids[a]),
                list(provider_ids, choices)
            )
        })
        .collect();
    let providers: Vec<String> = lists
        .1
        .iter()
        .enumerate()
        .map(|(p, (cap, ranking))| {
            format!(
                "{}: {{\"ranking\": {}, \"capacity\": {cap}, \"name\": \"x\"}}",
                quote(&provider_ids[p]),
                list(applicant_ids, ranking)
            )
        })
        .collect();
    let applicants = format!("\"applicants\": {{{}}}", applicants.join(", "));
    let providers = format!("\"providers\": {{{}}}", providers.join(", "));
    let meta = "\"meta\": {\"generator\": [1, {\"x\": null}]}";
    if providers_first {
        format!("{{{providers}, {meta}, {applicants}}}")
    } else {
        format!("{{{meta}, {applicants}, {providers}}}")
    }
}

/// Checks that `text` is refused with `pointer: message`.
fn check_error(text: &str, expected: &str) {
    match ParsedInstance::parse(text) {
        Ok(parsed) => panic!("{text}\nread as {parsed:?}, expected the error {expected}"),
        Err(err) => assert_eq!(err.to_string(), expected, "{text}"),
    }
}

#[test]
fn errors_name_the_pointer() {
    let p1 = r#""p1": {"capacity": 1, "ranking": ["a1"]}"#;
    let with = |applicants: &str, providers: &str| {
        format!(r#"{{"applicants": {{{applicants}}}, "providers": {{{providers}}}}}"#)
    };
    check_error(
        &with(r#""a1": ["p1", "p2"]"#, p1),
        r#"/applicants/a1/1: unknown provider "p2""#,
    );
    check_error(
        &with(r#""a1": ["p1", "p1"]"#, p1),
        r#"/applicants/a1/1: provider "p1" is listed twice"#,
    );
    check_error(
        &with(r#""a1": ["p1"], "a1": []"#, p1),
        "/applicants/a1: duplicate key",
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": 1, "ranking": ["a1", "a2"]}"#,
        ),
        r#"/providers/p1/ranking/1: unknown applicant "a2""#,
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": 1, "ranking": ["a1", "a1"]}"#,
        ),
        r#"/providers/p1/ranking/1: applicant "a1" is ranked twice"#,
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": -1, "ranking": []}"#,
        ),
        "/providers/p1/capacity: capacity must be a whole number from 0 to 4294967295, not -1",
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": 1.5, "ranking": []}"#,
        ),
        "/providers/p1/capacity: capacity must be a whole number from 0 to 4294967295, not 1.5",
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": 4294967296, "ranking": []}"#,
        ),
        "/providers/p1/capacity: capacity must be a whole number from 0 to 4294967295, not 4294967296",
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": "2", "ranking": []}"#,
        ),
        r#"/providers/p1/capacity: invalid type: string "2", expected a capacity (a whole number, 0 or more)"#,
    );
    check_error(
        &with(r#""a1": ["p1"]"#, r#""p1": {"ranking": []}"#),
        "/providers/p1/capacity: missing",
    );
    check_error(
        &with(r#""a1": ["p1"]"#, r#""p1": {"capacity": 1}"#),
        "/providers/p1/ranking: missing",
    );
    check_error(
        &with(
            r#""a1": ["p1"]"#,
            r#""p1": {"capacity": 1, "capacity": 2, "ranking": []}"#,
        ),
        "/providers/p1/capacity: duplicate key",
    );
    check_error(
        &with(r#""a1": ["p1"]"#, r#""p1": [1]"#),
        "/providers/p1: invalid type: sequence, expected an object with \"capacity\" and \"ranking\"",
    );
    check_error(
        &with(r#""a1": ["p1", 3]"#, p1),
        "/applicants/a1/1: invalid type: integer `3`, expected an id (a string)",
    );
    check_error(
        &with(r#""a1": "p1""#, p1),
        r#"/applicants/a1: invalid type: string "p1", expected a list of provider ids"#,
    );
    check_error(
        &with(r#""a~/b": ["p9"]"#, p1),
        r#"/applicants/a~0~1b/0: unknown provider "p9""#,
    );
    check_error(r#"{"applicants": {}}"#, "/providers: missing");
    check_error(r#"{"providers": {}}"#, "/applicants: missing");
    check_error(
        r#"{"applicants": {}, "providers": {}, "applicants": {}}"#,
        "/applicants: duplicate key",
    );
    check_error(
        r#"{"applicants": [], "providers": {}}"#,
        "/applicants: invalid type: sequence, expected an object mapping applicant ids to lists of provider ids",
    );
    check_error(
        "[]",
        "the document: invalid type: sequence, expected an object with \"applicants\" and \"providers\"",
    );
    check_error(
        "",
        "invalid JSON at line 1 column 0: EOF while parsing a value",
    );
    check_error(
        r#"{"applicants": {}, "providers": {}} x"#,
        "invalid JSON at line 1 column 37: trailing characters",
    );
    check_error(
        "{\"applicants\": {\"a1\": [\"p1\"\n \"p2\"]}}",
        "invalid JSON at line 2 column 2: expected `,` or `]` (in /applicants/a1/1)",
    );
    // The first unknown reference in document order, whichever section comes first.
    check_error(
        r#"{"providers": {"p1": {"capacity": 1, "ranking": ["zz"]}}, "applicants": {"a1": ["qq"]}}"#,
        r#"/providers/p1/ranking/0: unknown applicant "zz""#,
    );
}

#[test]
fn reads_valid_edge_cases() {
    let text = r#"{"applicants": {"a1": [], "a\u0032": ["p1", "p0"], "a3": ["p0"]},
                   "providers": {"p0": {"capacity": 0, "ranking": ["a2", "a3"]},
                                 "p1": {"capacity": 5, "ranking": ["a1"], "note": {"deep": [[]]}}}}"#;
    let parsed = ParsedInstance::parse(text).unwrap();
    assert_eq!(parsed.applicant_id(1), Some("a2"));
    let instance = parsed.instance();
    // a1 is ranked by p1 but does not list it; a2 lists p1 but p1 does not rank it.
    assert!(!instance.is_acceptable(0, 1) && !instance.is_acceptable(1, 1));
    assert!(instance.is_acceptable(1, 0));
    assert_eq!(
        parsed.write_assignment(&solve(instance)),
        r#"{"assignment":{"a1":null,"a2":null,"a3":null}}"#
    );
    let empty = ParsedInstance::parse(r#"{"providers": {}, "applicants": {}}"#).unwrap();
    assert_eq!(
        empty.write_assignment(&solve(empty.instance())),
        r#"{"assignment":{}}"#
    );
}

#[test]
fn writes_escaped_ids() {
    let text = r#"{"applicants": {"a\"1\\\n\u0001": ["p/é"]}, "providers": {"p/é": {"capacity": 1, "ranking": ["a\"1\\\n\u0001"]}}}"#;
    let out = solve_json(text).unwrap();
    assert_eq!(out, r#"{"assignment":{"a\"1\\\n\u0001":"p/é"}}"#);
}

#[test]
fn dense_errors() {
    let check =
        |applicants: Vec<Vec<u32>>, providers: Vec<(u32, Vec<u32>)>, expected: InstanceError| {
            assert_eq!(Instance::new(applicants, providers).unwrap_err(), expected);
        };
    check(
        vec![vec![1]],
        vec![(1, vec![])],
        InstanceError::UnknownProvider {
            applicant: 0,
            position: 0,
            provider: 1,
        },
    );
    check(
        vec![vec![0, 0]],
        vec![(1, vec![])],
        InstanceError::DuplicateChoice {
            applicant: 0,
            position: 1,
            provider: 0,
        },
    );
    check(
        vec![vec![]],
        vec![(1, vec![0, 1])],
        InstanceError::UnknownApplicant {
            provider: 0,
            position: 1,
            applicant: 1,
        },
    );
    check(
        vec![vec![]],
        vec![(1, vec![0, 0])],
        InstanceError::DuplicateRanking {
            provider: 0,
            position: 1,
            applicant: 0,
        },
    );
}

/// A textbook instance: the applicant-optimal matching differs from the provider-optimal one.
#[test]
fn applicants_get_their_better_stable_matching() {
    // a0: p0 > p1, a1: p1 > p0; p0: a1 > a0, p1: a0 > a1. Two stable matchings.
    let instance =
        Instance::new([vec![0, 1], vec![1, 0]], [(1, vec![1, 0]), (1, vec![0, 1])]).unwrap();
    let matching = solve(&instance);
    assert_eq!(matching.iter().collect::<Vec<_>>(), [Some(0), Some(1)]);
    assert_eq!(matching.assigned(), 2);
}

/// `parse` (the fast path, falling back on `serde_json`) and the `serde_json` reading alone give
/// the same instance or the same error, and the fast path takes the documents it should.
fn check_fast_path(text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        ParsedInstance::parse(text),
        ParsedInstance::parse_with_serde(text),
        "{}",
        text
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Well-formed instances, with ids that need escapes or not, sections in either order,
    /// whitespace or none: read alike, and by the fast path when no id has an escape.
    #[test]
    fn fast_path_agrees_with_serde_on_instances(
        lists in lists(12, 5, 4),
        providers_first in any::<bool>(),
        funny in any::<bool>(),
        compact in any::<bool>(),
    ) {
        let (applicant_ids, provider_ids) = ids(&lists, funny);
        let mut text = to_json(&lists, &applicant_ids, &provider_ids, providers_first);
        if compact {
            text = text.replace(", ", ",").replace(": ", ":");
        }
        check_fast_path(&text)?;
        if !funny {
            prop_assert!(ParsedInstance::parse_fast(&text).is_some(), "{}", text);
        }
    }

    /// Mutated instances (syntax errors, wrong types, unknown or repeated ids, numbers of every
    /// shape): the same instance or the same error, pointer and line included.
    #[test]
    fn fast_path_agrees_with_serde_on_mutations(
        lists in lists(6, 3, 3),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
            vec!['{', '}', '[', ']', '"', ',', ':', '0', '-', '1', '9', '.', 'e', 'E', '+', 'a', 'p',
                 ' ', '\n', '\t', '\\', 'n', 't', 'f', 'u', 'l', '/', '~', 'é', '\u{1}'],
        )), 1..6),
    ) {
        let (applicant_ids, provider_ids) = ids(&lists, false);
        let mut chars: Vec<char> = to_json(&lists, &applicant_ids, &provider_ids, false).chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 if i < chars.len() => { chars.remove(i); }
                1 => chars.insert(i, c),
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        check_fast_path(&chars.into_iter().collect::<String>())?;
    }

    /// JSON-like text and arbitrary text: the same answer.
    #[test]
    fn fast_path_agrees_with_serde_on_any_text(
        json_like in r#"[{}\[\]",:a-c0-9 \-.eEp+/~\\]{0,80}"#,
        text in any::<String>(),
    ) {
        check_fast_path(&json_like)?;
        check_fast_path(&text)?;
    }
}

/// Values the fast path checks itself, and those it leaves to `serde_json`, read alike.
#[test]
fn fast_path_values() {
    let with = |capacity: &str, meta: &str| {
        format!(
            r#"{{"meta": {meta}, "applicants": {{"a1": ["p1"]}},
                "providers": {{"p1": {{"capacity": {capacity}, "ranking": ["a1"], "x": {meta}}}}}}}"#
        )
    };
    for capacity in [
        "0",
        "1",
        "4294967295",
        "4294967296",
        "01",
        "-0",
        "-1",
        "1.0",
        "1e2",
        "1E2",
        "99999999999",
        "\"1\"",
        "null",
        "true",
    ] {
        check_fast_path(&with(capacity, "null")).unwrap();
    }
    for meta in [
        "0",
        "-0",
        "-0.5e+3",
        "1.",
        "1.e3",
        "01",
        "-",
        ".5",
        "1e",
        "1e+",
        "2E-07",
        "[]",
        "{}",
        "[[[[]]]]",
        r#"{"a": [1, "b", {"c": false}], "d": true}"#,
        r#""\u00e9\n""#,
        r#""é""#,
        "\"\u{1}\"",
        "tru",
        "nul",
        "[1,]",
        r#"{"a":1,}"#,
        "{1: 2}",
        &"[".repeat(200),
        &format!("{}{}", "[".repeat(100), "]".repeat(100)),
    ] {
        check_fast_path(&with("1", meta)).unwrap();
    }
    let fast = with("3", r#"{"a": [1.5e-3, -2, "x", null, true, false, {}]}"#);
    assert!(ParsedInstance::parse_fast(&fast).is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Numbered ids (`a7`, `a007`, `a0000007`: one number, other counts of digits; other
    /// prefixes; no digits) keep their own numbers, whichever is seen first, wherever the
    /// table of numbers or the maps hold them.
    #[test]
    fn numbered_ids_read_as_written(
        lists in lists(10, 4, 3),
        spellings in proptest::collection::vec(
            r"(a|b|ab|)(7|07|007|0000007|[0-9]{1,3}|x)",
            10,
        ),
        providers_first in any::<bool>(),
    ) {
        let mut applicant_ids: Vec<String> = Vec::new();
        for s in spellings {
            if !applicant_ids.contains(&s) {
                applicant_ids.push(s);
            }
        }
        let n = applicant_ids.len().min(lists.0.len());
        applicant_ids.truncate(n);
        let lists: Lists = (
            lists.0[..n].to_vec(),
            lists.1.iter().map(|(c, r)| (*c, r.iter().copied().filter(|&a| (a as usize) < n).collect())).collect(),
        );
        let provider_ids: Vec<String> = (0..lists.1.len()).map(|p| format!("p{:02}", 7 - p)).collect();
        let text = to_json(&lists, &applicant_ids, &provider_ids, providers_first);
        let parsed = ParsedInstance::parse(&text).unwrap();
        prop_assert_eq!(parsed.instance(), &instance(&lists));
        for (a, id) in applicant_ids.iter().enumerate() {
            prop_assert_eq!(parsed.applicant_id(a as u32), Some(id.as_str()));
        }
        for (p, id) in provider_ids.iter().enumerate() {
            prop_assert_eq!(parsed.provider_id(p as u32), Some(id.as_str()));
        }
    }
}
