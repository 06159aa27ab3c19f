//! `skillhub-allocation`: fair allocation ("assegnazione"): who gets the seats when there are
//! more people than seats.
//!
//! Three tools, each a pure function of its inputs and of an explicit [`lottery::LotterySeed`]:
//!
//! - [`lottery`]: a seeded random order (ChaCha20 + Fisher–Yates, specified to the byte so anyone
//!   can recompute it), and *verifiable* draws whose seed is the SHA-256 of the published list
//!   and of a public random value announced later;
//! - [`batch`]: when a session's registration window closes, order the applicants by priority
//!   tier and then by lottery, confirm as many as there are seats and waitlist the rest;
//! - [`matching`]: many-to-one stable matching by applicant-proposing deferred acceptance
//!   (applicant-optimal), on dense integers and flat arrays, with the JSON format of
//!   `skillhub match`;
//! - [`placement`]: placement by DigComp level: each person's choices are filtered to the
//!   sessions meant for their level, then matched to seats with [`matching`], sessions ranking
//!   people by priority tier and then by lottery; the report says, in Italian and English, why
//!   anyone got nothing.
//!
//! The main design decision: **a seed is a recorded value, never a hidden one**. Every outcome
//! carries the seed it used, so an allocation can be recomputed and checked by anyone, later.
//! Priority tiers ([`skillhub_core::capacity::Tier`], 0 first) order people; they never exclude
//! anyone.

#![deny(missing_docs)]

pub mod batch;
pub mod lottery;
pub mod matching;
pub mod placement;
