//! Disclosure control: the only way figures leave the node. Counts from 1
//! to 4 go as `suppressed` (shown as "<5"), never as their value; with
//! rounding, the rest go as the nearest multiple of 5. Only the metrics the
//! initiative chose to share are in the report.

use noaber_federation::figures::{Figure, THRESHOLD};

use super::compute::Computed;

/// What one true count becomes.
pub fn cell(value: i64, round_to_five: bool) -> (Option<i64>, bool, bool) {
    match value {
        v if v <= 0 => (Some(0), false, false),
        v if v < THRESHOLD => (None, true, false),
        v if round_to_five => {
            // Never rounds down below the threshold, which would hint at a
            // suppressed count.
            let r = ((v + 2) / 5 * 5).max(THRESHOLD);
            (Some(r), false, true)
        }
        v => (Some(v), false, false),
    }
}

/// The disclosed figures of `computed`, for the `shared` metrics only.
pub fn disclose(computed: &[Computed], shared: &[String], round_to_five: bool) -> Vec<Figure> {
    let hours = computed
        .iter()
        .find(|c| c.metric == "hours")
        .map_or(0, |c| c.value);
    computed
        .iter()
        .filter(|c| shared.iter().any(|s| s == c.metric))
        .map(|c| {
            let (mut value, mut suppressed, rounded) = cell(c.value, round_to_five);
            // The social value is hours times a published rate: it would
            // give a suppressed number of hours away.
            if c.metric == "social_value_eur" && (1..THRESHOLD).contains(&hours) {
                value = None;
                suppressed = true;
            }
            Figure {
                metric: c.metric.to_owned(),
                category: c.category.clone(),
                value,
                suppressed,
                rounded: rounded && !suppressed,
                entered: c.source == noaber_federation::figures::Source::Entered,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use noaber_federation::figures::Source;

    fn c(metric: &'static str, value: i64) -> Computed {
        Computed {
            metric,
            category: None,
            value,
            source: Source::Computed,
        }
    }

    #[test]
    fn small_counts_never_leave_as_their_value() {
        for v in 1..5 {
            assert_eq!(cell(v, false), (None, true, false));
            assert_eq!(cell(v, true), (None, true, false));
        }
        assert_eq!(cell(0, true), (Some(0), false, false));
        assert_eq!(cell(5, false), (Some(5), false, false));
        assert_eq!(cell(12, true), (Some(10), false, true));
        assert_eq!(cell(13, true), (Some(15), false, true));
        assert_eq!(cell(6, true), (Some(5), false, true));
    }

    #[test]
    fn only_shared_metrics_go_and_social_value_follows_hours() {
        let all = vec![c("members", 40), c("hours", 3), c("social_value_eur", 44)];
        let out = disclose(&all, &["members".into(), "social_value_eur".into()], false);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].value, Some(40));
        assert!(out[1].suppressed && out[1].value.is_none());
    }
}
