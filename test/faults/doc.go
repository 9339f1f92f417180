// Package faults holds process-level fault tests of Policy Radar: the real
// binary runs as a separate process against fake feed, Slack and Discord
// servers on 127.0.0.1 that misbehave (rate limits, 5xx, hangs, refused
// connections, malformed answers, hostile feeds), and the tests check from
// the outside that every alert is waited for, retried or given up as
// SPEC.md says, with no busy loop and nothing lost.
package faults
