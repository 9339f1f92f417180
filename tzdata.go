package main

// The release binary runs in a static image (distroless or scratch) and on
// hosts that may have no /usr/share/zoneinfo. Embedding the time zone
// database (about 450 KB) keeps time.LoadLocation working there: it is used
// only when the system copy is missing.
import _ "time/tzdata"
