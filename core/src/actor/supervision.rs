//! How an actor is supervised: restart after a panic, within a limit (OTP's restart
//! intensity), with an optional backoff; past the limit the actor is stopped for good.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// An actor's supervision strategy, set when it is registered
/// ([`AppBuilder::actor_supervised`](crate::AppBuilder::actor_supervised)); the others get
/// [`Supervision::default`]: at most 3 restarts within 5 s, no backoff.
///
/// A panic in a handler (or in the `started` hook) answers its caller `actor_failed` and
/// restarts the actor from its factory. When a panic would make more than
/// `max_restarts` restarts within `within`, the actor is stopped instead: every queued and
/// later call is answered `actor_failed` at once, and `actor/<address>/stopped` is
/// published with the reason ([`Stopped`](crate::actor::Stopped)).
///
/// ```
/// use std::time::Duration;
/// use switchboard::actor::Supervision;
/// let patient = Supervision::default()
///     .intensity(10, Duration::from_secs(60))
///     .backoff(Duration::from_millis(10), Duration::from_secs(1));
/// assert_eq!(patient.max_restarts(), 10);
/// assert_eq!(Supervision::never().max_restarts(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supervision {
    max_restarts: u32,
    within: Duration,
    backoff: Option<(Duration, Duration)>,
}

impl Default for Supervision {
    fn default() -> Self {
        Supervision {
            max_restarts: 3,
            within: Duration::from_secs(5),
            backoff: None,
        }
    }
}

impl Supervision {
    /// Never restart: the first panic stops the actor.
    pub fn never() -> Self {
        Supervision {
            max_restarts: 0,
            ..Supervision::default()
        }
    }

    /// Allow at most `max_restarts` restarts within any `within` window.
    pub fn intensity(mut self, max_restarts: u32, within: Duration) -> Self {
        self.max_restarts = max_restarts;
        self.within = within;
        self
    }

    /// Wait before each restart: `first` before the first one of a window, doubling each
    /// time, at most `max`. Calls that arrive meanwhile wait in the mailbox.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = Some((first, max.max(first)));
        self
    }

    /// The most restarts allowed within [`Self::within`].
    pub fn max_restarts(&self) -> u32 {
        self.max_restarts
    }

    /// The window restarts are counted in.
    pub fn within(&self) -> Duration {
        self.within
    }
}

/// What the supervisor decided after a failure.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Restart after this delay.
    Restart(Duration),
    /// The limit is reached: stop.
    Stop,
}

/// The restarts of one actor within the strategy's window.
#[derive(Debug)]
pub(crate) struct Intensity {
    strategy: Supervision,
    recent: VecDeque<Instant>,
}

impl Intensity {
    pub(crate) fn new(strategy: Supervision) -> Self {
        Intensity {
            strategy,
            recent: VecDeque::new(),
        }
    }

    /// A failure happened at `now`: restart (after how long), or stop.
    pub(crate) fn failed(&mut self, now: Instant) -> Decision {
        while let Some(&first) = self.recent.front() {
            if now.duration_since(first) >= self.strategy.within {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        if self.recent.len() >= self.strategy.max_restarts as usize {
            return Decision::Stop;
        }
        let delay = match self.strategy.backoff {
            Some((first, max)) => {
                let doublings = u32::try_from(self.recent.len()).unwrap_or(u32::MAX).min(30);
                first.saturating_mul(1 << doublings).min(max)
            }
            None => Duration::ZERO,
        };
        self.recent.push_back(now);
        Decision::Restart(delay)
    }

    pub(crate) fn strategy(&self) -> &Supervision {
        &self.strategy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourth_failure_within_the_window_stops() {
        let mut i = Intensity::new(Supervision::default());
        let t = Instant::now();
        for k in 0..3 {
            assert_eq!(
                i.failed(t + Duration::from_millis(k)),
                Decision::Restart(Duration::ZERO)
            );
        }
        assert_eq!(i.failed(t + Duration::from_millis(10)), Decision::Stop);
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let mut i = Intensity::new(Supervision::default().intensity(1, Duration::from_secs(1)));
        let t = Instant::now();
        assert!(matches!(i.failed(t), Decision::Restart(_)));
        assert!(matches!(
            i.failed(t + Duration::from_secs(2)),
            Decision::Restart(_)
        ));
        assert_eq!(
            i.failed(t + Duration::from_millis(2500)),
            Decision::Stop,
            "two failures within one second"
        );
    }

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let s = Supervision::default()
            .intensity(5, Duration::from_secs(60))
            .backoff(Duration::from_millis(10), Duration::from_millis(25));
        let mut i = Intensity::new(s);
        let t = Instant::now();
        let delays: Vec<_> = (0..4).map(|_| i.failed(t)).collect();
        assert_eq!(
            delays,
            [10, 20, 25, 25].map(|ms| Decision::Restart(Duration::from_millis(ms)))
        );
    }

    #[test]
    fn never_stops_at_the_first_failure() {
        let mut i = Intensity::new(Supervision::never());
        assert_eq!(i.failed(Instant::now()), Decision::Stop);
    }
}
