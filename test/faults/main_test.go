package faults_test

import (
	"os"
	"testing"

	"github.com/policyradar/policyradar/internal/proctest"
)

// TestMain removes the binary proctest built once the tests are done.
func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }
