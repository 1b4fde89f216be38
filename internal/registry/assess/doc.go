// Package assess holds the pure rules of the indicator and task registry:
// reading the seed's target strings, deciding whether higher or lower is
// better, turning the latest measurement into a status and a progress figure,
// checking reported values, and reading task deadlines. It does no I/O, so
// every rule here is table-tested without a database.
//
// # Targets
//
// ParseTarget reads a 2025 target cell. An optional comparator (ASCII "<",
// "<=", ">", ">=", "=", full-width "＜", "＞", "＝", "≤", "≦", "≥", "≧", or the
// words 不低于/不少于/不高于/不超过/大于/高于/小于/低于, or a trailing
// 以上/以下) followed by a plain decimal number, with an optional "%", is
// Numeric; anything else (使用量负增长, 逐年提高, 纳入考核体系, sentences)
// is Qualitative and judged by a person. A bare number keeps Comparator "=",
// which means "reach or beat this value in the indicator's direction".
//
// # Direction
//
// DefaultDirection decides from the seed's text alone:
//
//  1. a target written with "<" or "≤" is lower-is-better;
//  2. a target written with ">" or "≥" is higher-is-better;
//  3. a bare numeric target below a numeric baseline is lower-is-better
//     (工业危险废物产生强度 25.39 → 20);
//  4. everything else is higher-is-better.
//
// Where that rule is wrong the registry says so in
// configs/registry/overrides.yaml, read by LoadOverrides; IndicatorDirection
// applies an override over the rule.
//
// # Status and progress
//
// Assess derives a Status and a Progress from the latest measurement:
//
//   - No measurement → no_data.
//   - Qualitative target → the person's assessment carried by the measurement
//     (achieved, on_track, at_risk or lagging; anything else → no_data);
//     progress is 100 when achieved and nil otherwise.
//   - Numeric target without a finite value → no_data.
//   - Numeric target met → achieved, progress 100. A written comparator is
//     applied literally ("<6.00" is strict, "≥90" inclusive) and fixes the
//     direction for the rest of these rules; a bare number is met when the
//     value reaches or beats it in the indicator's direction.
//     Values within a relative 1e-9 of the target count as equal to it, so
//     rounding in computed figures does not flip a result.
//   - Numeric target not met, measurement period ending after the programme
//     (after 2025-12-31) → lagging: the programme's time is up.
//   - Numeric target not met, baseline not a number ("-") → at_risk: there is
//     no path to compare with.
//   - Otherwise the value is compared with the expected value on a straight
//     path from the baseline at the end of 2020 to the target at the end of
//     2025, taken at the end of the measurement's period (clamped to that
//     span). The shortfall is how far the value is behind that expected value
//     in the indicator's direction. A shortfall of zero or less is on_track,
//     except for a period ending at the end of 2025, where the path has reached
//     the target that was not met; a shortfall of at most 10% of the distance
//     from baseline to target is at_risk; a larger one is lagging. When the
//     baseline already meets or beats the target (100 → 100, 6.00 → <6.00,
//     3.5 → 2 for a growth rate kept above 2) the path is flat at the target
//     and the tolerance is 10% of the gap between them, so with equal values
//     any fall below the target is lagging.
//   - Progress, when not achieved, is the share of the distance from baseline
//     to target covered by the value, clamped to 0–100; it is nil when the
//     baseline already meets or beats the target. Without a numeric baseline
//     it is value ÷ target (higher-is-better) or target ÷ value
//     (lower-is-better), as a percentage clamped to 0–100, and nil when the
//     target is zero or negative, where that ratio means nothing.
//
// A measurement period that cannot be parsed is placed at Input.Now.
//
// # Periods and deadlines
//
// Periods are "2025" (a year), "2025-Q3" (a quarter) or "2025-07" (a month),
// years 2020–2100, in Asia/Shanghai. Task deadlines "2023年" … "2025年" mean
// the last millisecond of that year in Asia/Shanghai; "持续推进", "长期坚持",
// "持续开展" and the like mean a continuous task with no due date, reviewed
// yearly and never overdue. Overdue is derived from the due date, the task's
// status and the current time, never stored.
package assess
