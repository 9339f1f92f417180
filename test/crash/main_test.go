package crash_test

import (
	"os"
	"testing"

	"github.com/policyradar/policyradar/internal/proctest"
)

func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }
