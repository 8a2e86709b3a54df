//! How long a session lives, and how failed logins slow down further attempts (the
//! CNIL's « cas 2 » measures: a growing delay, then a temporary lock).

use jiff::{SignedDuration, Timestamp};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends a session nobody used for this long.
    pub idle: SignedDuration,
    /// Ends any session this long after login.
    pub absolute: SignedDuration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: SignedDuration::from_mins(30),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    Active,
    IdleExpired,
    AbsoluteExpired,
}

impl SessionPolicy {
    pub fn state(
        &self,
        created_at: Timestamp,
        last_seen_at: Timestamp,
        now: Timestamp,
    ) -> SessionState {
        if now >= created_at + self.absolute {
            SessionState::AbsoluteExpired
        } else if now >= last_seen_at + self.idle {
            SessionState::IdleExpired
        } else {
            SessionState::Active
        }
    }

    /// When the session ends if nothing happens: the earlier of the idle and absolute limits.
    pub fn ends_at(&self, created_at: Timestamp, last_seen_at: Timestamp) -> Timestamp {
        (last_seen_at + self.idle).min(created_at + self.absolute)
    }
}

/// Thresholds of login throttling for one kind of key (an account, or an address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before each attempt must wait.
    pub free_failures: i64,
    /// Failures after which the key is locked.
    pub lock_after: i64,
    pub lock_for: SignedDuration,
    /// Failures older than this (since the last one) are forgotten.
    pub forget_after: SignedDuration,
}

impl ThrottlePolicy {
    /// An account: a delay from the fourth failure, locked for 15 minutes at the tenth.
    pub const ACCOUNT: ThrottlePolicy = ThrottlePolicy {
        free_failures: 3,
        lock_after: 10,
        lock_for: SignedDuration::from_mins(15),
        forget_after: SignedDuration::from_mins(30),
    };
    /// A staff member's second-factor codes, across its sign-ins: each sign-in allows five
    /// codes; at the tenth wrong one in a day the codes are refused for 15 minutes, then
    /// again after each wrong one, so that a known password does not open the account to
    /// a million guesses.
    pub const SECOND_FACTOR: ThrottlePolicy = ThrottlePolicy {
        free_failures: 5,
        lock_after: 10,
        lock_for: SignedDuration::from_mins(15),
        forget_after: SignedDuration::from_hours(24),
    };
    /// An address may serve a whole household or a school's network: more room, same shape.
    pub const ADDRESS: ThrottlePolicy = ThrottlePolicy {
        free_failures: 10,
        lock_after: 30,
        lock_for: SignedDuration::from_mins(15),
        forget_after: SignedDuration::from_mins(30),
    };
}

/// What is known of a key's recent failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureRecord {
    pub failures: i64,
    pub last_failure_at: Timestamp,
    pub locked_until: Option<Timestamp>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    Allowed,
    /// Too soon after the last failure.
    Wait(SignedDuration),
    Locked {
        until: Timestamp,
    },
}

impl ThrottlePolicy {
    pub fn decide(&self, record: Option<FailureRecord>, now: Timestamp) -> Throttle {
        let Some(r) = record else {
            return Throttle::Allowed;
        };
        if let Some(until) = r.locked_until.filter(|until| *until > now) {
            return Throttle::Locked { until };
        }
        if now >= r.last_failure_at + self.forget_after || r.failures <= self.free_failures {
            return Throttle::Allowed;
        }
        let ready_at = r.last_failure_at + self.delay(r.failures);
        if now < ready_at {
            Throttle::Wait(ready_at.duration_since(now))
        } else {
            Throttle::Allowed
        }
    }

    /// The delay after the n-th failure: 1 s, 2 s, 4 s… doubling past the free failures, at
    /// most one minute.
    pub fn delay(&self, failures: i64) -> SignedDuration {
        let over = (failures - self.free_failures).clamp(0, 7);
        if over == 0 {
            SignedDuration::ZERO
        } else {
            SignedDuration::from_secs((1i64 << (over - 1)).min(60))
        }
    }

    /// The record after one more failure at `now`.
    pub fn after_failure(&self, record: Option<FailureRecord>, now: Timestamp) -> FailureRecord {
        let previous = record
            .filter(|r| now < r.last_failure_at + self.forget_after)
            .map_or(0, |r| r.failures);
        let failures = previous + 1;
        let locked_until = (failures >= self.lock_after).then(|| now + self.lock_for);
        FailureRecord {
            failures,
            last_failure_at: now,
            locked_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let p = SessionPolicy::default();
        let login = t("2027-05-15T06:00:00Z");
        assert_eq!(
            p.state(login, login, t("2027-05-15T06:29:59Z")),
            SessionState::Active
        );
        assert_eq!(
            p.state(login, login, t("2027-05-15T06:30:00Z")),
            SessionState::IdleExpired
        );
        assert_eq!(
            p.state(login, t("2027-05-15T17:50:00Z"), t("2027-05-15T18:00:00Z")),
            SessionState::AbsoluteExpired
        );
        assert_eq!(
            p.ends_at(login, t("2027-05-15T17:50:00Z")),
            t("2027-05-15T18:00:00Z")
        );
        assert_eq!(p.ends_at(login, login), t("2027-05-15T06:30:00Z"));
    }

    #[test]
    fn failures_slow_down_then_lock_the_account() {
        let p = ThrottlePolicy::ACCOUNT;
        let mut now = t("2027-05-15T06:00:00Z");
        let mut record = None;
        for _ in 0..3 {
            assert_eq!(p.decide(record, now), Throttle::Allowed);
            record = Some(p.after_failure(record, now));
        }
        // Fourth failure: one second to wait, then two, then four…
        assert_eq!(p.decide(record, now), Throttle::Allowed);
        record = Some(p.after_failure(record, now));
        assert_eq!(
            p.decide(record, now),
            Throttle::Wait(SignedDuration::from_secs(1))
        );
        now += SignedDuration::from_secs(1);
        assert_eq!(p.decide(record, now), Throttle::Allowed);
        record = Some(p.after_failure(record, now));
        assert_eq!(
            p.decide(record, now),
            Throttle::Wait(SignedDuration::from_secs(2))
        );
        for _ in 0..5 {
            now += SignedDuration::from_secs(61);
            record = Some(p.after_failure(record, now));
        }
        assert_eq!(record.unwrap().failures, 10);
        assert_eq!(
            p.decide(record, now),
            Throttle::Locked {
                until: now + SignedDuration::from_mins(15)
            }
        );
        assert_eq!(
            p.decide(record, now + SignedDuration::from_mins(15)),
            Throttle::Allowed
        );
    }

    #[test]
    fn old_failures_are_forgotten() {
        let p = ThrottlePolicy::ACCOUNT;
        let start = t("2027-05-15T06:00:00Z");
        let record = FailureRecord {
            failures: 8,
            last_failure_at: start,
            locked_until: None,
        };
        assert!(matches!(p.decide(Some(record), start), Throttle::Wait(_)));
        let later = start + SignedDuration::from_mins(31);
        assert_eq!(p.decide(Some(record), later), Throttle::Allowed);
        assert_eq!(p.after_failure(Some(record), later).failures, 1);
    }

    #[test]
    fn delays_are_capped_at_a_minute() {
        let p = ThrottlePolicy::ADDRESS;
        assert_eq!(p.delay(10), SignedDuration::ZERO);
        assert_eq!(p.delay(11), SignedDuration::from_secs(1));
        assert_eq!(p.delay(29), SignedDuration::from_secs(60));
    }
}
