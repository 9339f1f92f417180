package rules_test

import (
	"fmt"
	"html"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/internal/realfeeds"

	"github.com/mmcdole/gofeed"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/rules"
)

// The matching benchmark (issue 6 part 1): items of about 1 KB built from the
// real feeds, matched against 4, 100 and 1,000 topics of about 20 keywords,
// by the rules package and by a naive baseline that runs one case-insensitive
// regular expression per keyword.
//
//	go test ./rules -run '^$' -bench Match -benchmem

var tagRE = regexp.MustCompile(`<[^>]*>`)

func plain(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(s, " "))), " ")
}

// benchItems turns the entries of the real feeds into items of about 1 KB of
// text: title, summary, content (padded with the text of later entries when
// an entry is short, cut at a word when it is long) and categories.
func benchItems(tb testing.TB) (items []alert.Item, avgBytes int) {
	dir, _ := realfeeds.Require(tb)
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	type entry struct{ title, summary, content string }
	var entries []entry
	var cats [][]string
	parser := gofeed.NewParser()
	for _, name := range files {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		feed, err := parser.Parse(f)
		f.Close()
		if err != nil {
			continue // a feed gofeed cannot read is of no use here
		}
		for _, it := range feed.Items {
			entries = append(entries, entry{plain(it.Title), plain(it.Description), plain(it.Content)})
			cats = append(cats, it.Categories)
		}
	}
	if len(entries) < 50 {
		tb.Skipf("only %d entries in the real feeds at %s", len(entries), dir)
	}
	const target = 1024
	total := 0
	for i, e := range entries {
		it := alert.Item{Title: e.title, Summary: cut(e.summary, 400), Content: e.content, Categories: cats[i]}
		size := func() int {
			n := len(it.Title) + len(it.Summary) + len(it.Content)
			for _, c := range it.Categories {
				n += len(c)
			}
			return n
		}
		for j := i + 1; size() < target; j++ {
			more := entries[j%len(entries)]
			it.Content = strings.TrimSpace(it.Content + " " + more.summary + " " + more.content)
		}
		if over := size() - target; over > 0 {
			it.Content = cut(it.Content, max(len(it.Content)-over, 0))
		}
		total += size()
		items = append(items, it)
	}
	return items, total / len(items)
}

// cut shortens s to at most n bytes, at a space.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndexByte(s[:n], ' '); i > 0 {
		return s[:i]
	}
	return ""
}

// realTopics are four topics like the built-in ones, with about 20 keywords.
var realTopics = []rules.Topic{
	{ID: "model-releases", Any: []string{"open weights", "open-weight model*", "Llama", "Gemma", "Qwen", "DeepSeek", "Mistral",
		"model release", "Hugging Face", "base model*", "instruct model*", "fine-tun*", "parameter model", "context window",
		"benchmark*", "/gpt-?4o?/", "Claude", "Gemini", "Phi-3", "weights released"}, None: []string{"llama farm*", "Ollama"}},
	{ID: "export-controls", Any: []string{"export control*", "entity list", "BIS", "diffusion rule", "chip ban*",
		"semiconductor export*", "Commerce Department", "Bureau of Industry and Security", "sanction*", "tariff*", "Nvidia H20",
		"H100", "ASML", "lithography", "dual-use", "foreign direct product rule", "advanced computing", "smuggl*",
		"trade restriction*", "CHIPS Act"}, None: []string{"Bank for International Settlements"}},
	{ID: "misuse", Any: []string{"jailbreak*", "deepfake*", "bioweapon*", "military use", "prompt injection", "disinformation",
		"misinformation", "scam*", "fraud*", "phishing", "malware", "cyberattack*", "election interference", "voice clon*",
		"nonconsensual", "CSAM", "extremis*", "surveillance", "red team*", "safety incident*"}},
	{ID: "regulation", Any: []string{"AI Act", "GPAI", "code of practice", "NTIA", "executive order", "regulat*", "legislation",
		"bill", "Senate", "Congress", "European Commission", "AI Safety Institute", "NIST", "guidance", "compliance",
		"liability", "copyright", "privacy law*", "data protection", "GDPR"}},
}

var vocabulary = strings.Fields(`ai model models data policy security safety open source chip chips export trade
government federal state court law rule rules agency market company startup cloud compute training inference
privacy consumer health medical energy climate education labor worker workers job jobs election media news
network internet platform app apps software hardware device devices robot robotics autonomous vehicle drone
defense military nuclear weapon cyber attack breach ransomware vulnerability patch update release launch
research lab university study report paper benchmark evaluation audit risk risks harm harms bias fairness
transparency accountability oversight standard standards framework guideline license licensing copyright
patent antitrust competition merger acquisition investment funding revenue price prices tariff sanction
china india europe japan korea taiwan russia ukraine israel brazil canada britain germany france
semiconductor gpu accelerator datacenter supercomputer quantum encryption identity biometric facial
recognition surveillance content moderation speech misinformation fraud scam phishing deepfake voice
image video audio text language translation search assistant agent agents chatbot watermark provenance
children teen teens school schools hospital bank banks finance insurance tax taxes budget spending
senator congress parliament commission minister ministry regulator regulators bill act treaty summit`)

// benchTopics returns n topics: the four real ones, then synthetic topics of
// 20 phrases of two or three words, some ending in a prefix.
func benchTopics(n int) []rules.Topic {
	topics := append([]rules.Topic(nil), realTopics[:min(n, len(realTopics))]...)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	for i := len(topics); i < n; i++ {
		t := rules.Topic{ID: fmt.Sprintf("synthetic-%d", i)}
		for range 20 {
			words := make([]string, 2+rng.IntN(2))
			for j := range words {
				words[j] = vocabulary[rng.IntN(len(vocabulary))]
			}
			kw := strings.Join(words, " ")
			if rng.IntN(7) == 0 {
				kw = kw[:max(len(kw)-2, strings.LastIndexByte(kw, ' ')+3)] + "*"
			}
			t.Any = append(t.Any, kw)
		}
		t.None = []string{vocabulary[rng.IntN(len(vocabulary))] + " " + vocabulary[rng.IntN(len(vocabulary))]}
		topics = append(topics, t)
	}
	return topics
}

func BenchmarkMatch(b *testing.B) {
	items, avg := benchItems(b)
	// The built-in topics themselves, on the same items.
	b.Run("topics=default/rules", func(b *testing.B) {
		set, _ := defaultSet(b)
		run(b, avg, func(it alert.Item) int { return len(set.Match(it)) }, items)
	})
	// The slow path: a long s in every field makes every expression run
	// over the whole field (what a feed crafted to defeat the prefilter
	// costs).
	b.Run("topics=default/rules/long-s", func(b *testing.B) {
		set, _ := defaultSet(b)
		odd := make([]alert.Item, len(items))
		for i, it := range items {
			it.Title += " \u017f"
			it.Summary += " \u017f"
			odd[i] = it
		}
		run(b, avg, func(it alert.Item) int { return len(set.Match(it)) }, odd)
	})
	for _, n := range []int{4, 100, 1000} {
		topics := benchTopics(n)
		set, err := rules.Compile(topics)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("topics=%d/rules", n), func(b *testing.B) {
			run(b, avg, func(it alert.Item) int { return len(set.Match(it)) }, items)
		})
		b.Run(fmt.Sprintf("topics=%d/baseline", n), func(b *testing.B) {
			base := newNaive(topics)
			run(b, avg, func(it alert.Item) int { return len(base.match(it)) }, items)
		})
	}
}

// run matches one item per iteration, cycling through items, and reports the
// topics matched per item and the processor time per item besides wall time.
func run(b *testing.B, avg int, match func(alert.Item) int, items []alert.Item) {
	b.SetBytes(int64(avg))
	b.ReportAllocs()
	matched, i := 0, 0
	cpu0 := cpuTime()
	for b.Loop() {
		matched += match(items[i%len(items)])
		i++
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		perItem := float64(cpu.Nanoseconds()) / float64(i)
		b.ReportMetric(perItem, "cpu-ns/op")
		b.ReportMetric(float64(avg)/perItem*1e3, "cpu-MB/s")
	}
	b.ReportMetric(float64(matched)/float64(i), "topics/item")
}

// TestBenchBaselineAgrees keeps the benchmark honest: on the real items the
// baseline and the rules package must mostly pick the same topics for the
// real topics (they differ only where the syntaxes do, e.g. Unicode folding).
func TestBenchBaselineAgrees(t *testing.T) {
	all, _ := benchItems(t)
	var items []alert.Item // a spread sample keeps the test quick under -race
	for i := 0; i < len(all) && len(items) < 120; i += max(1, len(all)/120) {
		items = append(items, all[i])
	}
	set, err := rules.Compile(realTopics)
	if err != nil {
		t.Fatal(err)
	}
	base := newNaive(realTopics)
	same, matched := 0, 0
	for _, it := range items {
		var got []string
		for _, m := range set.Match(it) {
			got = append(got, m.Topic)
		}
		want := base.match(it)
		if len(got) > 0 {
			matched++
		}
		if strings.Join(got, ",") == strings.Join(want, ",") {
			same++
		}
	}
	if matched == 0 || same < len(items)*95/100 {
		t.Errorf("rules and baseline agree on %d of %d items (%d matched)", same, len(items), matched)
	}
}
