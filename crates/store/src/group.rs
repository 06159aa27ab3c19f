//! Group commit of registrations: requests for the same session that arrive together are
//! decided together, under one lock, in one transaction, each by the same code and in arrival
//! order as if it were alone, and each is answered only after that transaction committed.
//!
//! The first request for a session finds nobody deciding it and becomes the **leader**: a task
//! of its own (so that a client hanging up cannot cancel a batch others wait on) takes every
//! request waiting for the session (at most [`MAX_BATCH`]), decides them in one transaction, hands
//! each its answer, and goes on while more arrived meanwhile. A request that arrives while a
//! batch is being decided waits for the next one; a lone request waits for nobody, so at light
//! load nothing changes: a batch closes as soon as the session's lock is free.
//!
//! A refusal that is one request's (its address is registered already, the window is closed, an
//! idempotency key reused) is that request's answer and the batch goes on. A database error
//! fails the whole transaction: nothing of it was written, and each of its requests is then
//! decided again alone, so a request that breaks a batch gets its own error and the others their
//! answers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use skillhub_core::ids::SessionId;
use tokio::sync::oneshot;

use crate::registrations::{RegisterRequest, Registered};
use crate::{Error, Idempotency, Result, Store};

/// The most registrations one transaction decides. Beyond it, the rest wait for the next batch:
/// a batch holds the session's lock, and a very long one would delay the first answers.
pub const MAX_BATCH: usize = 64;

/// One registration to decide in a batch: what is asked, under which idempotency key, and when.
#[derive(Debug, Clone)]
pub(crate) struct Arrival {
    pub(crate) request: RegisterRequest,
    pub(crate) idempotency: Option<Idempotency>,
    pub(crate) now: DateTime<Utc>,
}

/// One registration waiting for its batch, and where its answer goes.
struct Pending {
    arrival: Arrival,
    reply: oneshot::Sender<Result<Registered>>,
}

/// The requests waiting, per session; a session is in the map while a leader decides it.
#[derive(Default)]
pub(crate) struct Groups {
    waiting: Mutex<HashMap<SessionId, Vec<Pending>>>,
}

impl Groups {
    /// Adds `pending` to its session's queue; `true` when nobody is deciding the session yet
    /// (the caller starts the leader).
    fn join(&self, pending: Pending) -> bool {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        match waiting.get_mut(&pending.arrival.request.session_id) {
            Some(queue) => {
                queue.push(pending);
                false
            }
            None => {
                waiting.insert(pending.arrival.request.session_id.clone(), vec![pending]);
                true
            }
        }
    }

    /// The next batch of `session` (up to [`MAX_BATCH`], in arrival order); an empty one ends
    /// the leader, and the session leaves the map in the same step, so a request arriving after
    /// it starts a new leader rather than waiting on one that stopped.
    fn next_batch(&self, session: &SessionId) -> Vec<Pending> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(queue) = waiting.get_mut(session) else {
            return Vec::new();
        };
        if queue.is_empty() {
            waiting.remove(session);
            return Vec::new();
        }
        let take = queue.len().min(MAX_BATCH);
        queue.drain(..take).collect()
    }

    /// Drops `session`'s queue: its leader stopped without emptying it (a panic, or the runtime
    /// shutting down). The requests waiting get [`Error::GroupAbandoned`] (their answer channel
    /// closes), and the next request starts a new leader instead of waiting on none.
    fn abandon(&self, session: &SessionId) {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.remove(session);
    }
}

/// Held by a leader while it decides a session: dropped before the leader emptied the queue
/// (unwinding, or its task cancelled), it abandons the queue, so a session is never left with
/// requests and no leader.
struct Leading<'a> {
    groups: &'a Groups,
    session: &'a SessionId,
    emptied: bool,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if !self.emptied {
            self.groups.abandon(self.session);
        }
    }
}

impl Store {
    /// Registers a person for a session: confirmed while seats last, then waitlisted in tier
    /// order. With `idempotency`, a repeated key with the same request answers with the
    /// registration it made (as it stood then), and with another request fails; the record and
    /// the registration commit together. Requests for the same session that arrive together
    /// are decided in one transaction, each as it would be alone in arrival order (see the
    /// module docs); the answer comes after that transaction committed.
    pub async fn register(
        &self,
        request: &RegisterRequest,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
    ) -> Result<Registered> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            arrival: Arrival {
                request: request.clone(),
                idempotency: idempotency.cloned(),
                now,
            },
            reply,
        };
        let session = request.session_id.clone();
        if self.groups.join(pending) {
            let store = self.clone();
            tokio::spawn(async move { store.lead(session).await });
        }
        // The leader answers every request it takes; only a runtime shutting down drops one.
        answer.await.map_err(|_| Error::GroupAbandoned)?
    }

    /// Decides the batches of `session` until none is waiting.
    async fn lead(&self, session: SessionId) {
        let mut leading = Leading {
            groups: &self.groups,
            session: &session,
            emptied: false,
        };
        loop {
            let batch = self.groups.next_batch(&session);
            if batch.is_empty() {
                leading.emptied = true;
                return;
            }
            self.decide(batch).await;
        }
    }

    /// Decides `batch` in one transaction and answers each request; when the transaction fails,
    /// each request is decided again alone.
    async fn decide(&self, batch: Vec<Pending>) {
        let (arrivals, replies): (Vec<Arrival>, Vec<_>) =
            batch.into_iter().map(|p| (p.arrival, p.reply)).unzip();
        let outcomes = self.decide_together(&arrivals).await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            let _gone = reply.send(outcome);
        }
    }

    /// The answers to `arrivals` (for one session, in arrival order), decided in one
    /// transaction; when it fails, each decided again alone. One answer per arrival.
    pub(crate) async fn decide_together(&self, arrivals: &[Arrival]) -> Vec<Result<Registered>> {
        match self.register_batch(arrivals).await {
            Ok(outcomes) => outcomes,
            Err(err) if arrivals.len() == 1 => vec![Err(err)],
            Err(_) => {
                let mut outcomes = Vec::with_capacity(arrivals.len());
                for arrival in arrivals {
                    let outcome = match self.register_batch(std::slice::from_ref(arrival)).await {
                        Ok(mut alone) => alone.pop().unwrap_or(Err(Error::GroupAbandoned)),
                        Err(err) => Err(err),
                    };
                    outcomes.push(outcome);
                }
                outcomes
            }
        }
    }
}

/// Shared by every clone of a store.
pub(crate) type SharedGroups = Arc<Groups>;

#[cfg(test)]
mod leader {
    use super::*;

    /// A leader that stops before emptying its queue leaves no session behind: the requests
    /// waiting are answered (their channel closes) and the next request leads anew.
    #[test]
    fn a_stopped_leader_abandons_its_queue() {
        let groups = Groups::default();
        let session: SessionId = "sessione-prova".parse().unwrap_or_else(|_| unreachable!());
        let request = |n: usize| {
            let person = serde_json::from_value(serde_json::json!({
                "name": format!("Persona {n}"), "email": format!("p{n}@example.it"),
            }))
            .unwrap_or_else(|_| unreachable!());
            let (reply, answer) = oneshot::channel();
            let pending = Pending {
                arrival: Arrival {
                    request: RegisterRequest {
                        session_id: session.clone(),
                        person,
                        kind: None,
                        tier: skillhub_core::capacity::Tier::FIRST,
                        actor: "public".into(),
                        timing: crate::Timing::InWindow,
                        lang: skillhub_core::lang::Lang::It,
                    },
                    idempotency: None,
                    now: Utc::now(),
                },
                reply,
            };
            (pending, answer)
        };
        let (first, _first_answer) = request(1);
        let (second, mut second_answer) = request(2);
        assert!(groups.join(first), "the first request leads");
        assert!(!groups.join(second), "the second waits");
        drop(Leading {
            groups: &groups,
            session: &session,
            emptied: false,
        });
        assert!(
            matches!(
                second_answer.try_recv(),
                Err(oneshot::error::TryRecvError::Closed)
            ),
            "the waiting request is answered"
        );
        let (third, _third_answer) = request(3);
        assert!(groups.join(third), "the next request leads anew");
    }
}

mod batch;
mod seats;

#[cfg(test)]
mod tests;
