//go:build unix

package rules_test

import (
	"syscall"
	"time"
)

// cpuTime is the processor time the process has used. Benchmarks report it
// next to wall time because a loaded machine stretches wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
