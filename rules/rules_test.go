package rules_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/rules"
)

// one is a single topic "t" whose Any list is kws.
func one(kws ...string) []rules.Topic { return []rules.Topic{{ID: "t", Any: kws}} }

// hit is the result of topic "t" matching with kws.
func hit(kws ...string) []alert.Match { return []alert.Match{{Topic: "t", Keywords: kws}} }

func title(s string) alert.Item { return alert.Item{Title: s} }

func TestMatch(t *testing.T) {
	exportControls := rules.Topic{
		ID:   "export-controls",
		Any:  []string{"export control*", "entity list", "BIS"},
		None: []string{"Bank for International Settlements"},
	}
	tests := []struct {
		name   string
		topics []rules.Topic
		item   alert.Item
		only   []string
		want   []alert.Match
	}{
		{"word matches", one("AI"), title("New AI rules"), nil, hit("AI")},
		{"word inside another word does not match", one("AI"), title("She said no"), nil, nil},
		{"word next to punctuation", one("AI"), title("(AI): rules"), nil, hit("AI")},
		{"acronym matches", one("BIS"), title("BIS adds firms"), nil, hit("BIS")},
		{"acronym is not a word prefix", one("BIS"), title("Lobster bisque recipe"), nil, nil},
		{"phrase with hyphen in text", one("open weights"), title("An Open-Weights model"), nil, hit("Open-Weights")},
		{"phrase with two spaces in text", one("open weights"), title("open  weights"), nil, hit("open  weights")},
		{"phrase in title case", one("open weights"), title("Open Weights"), nil, hit("Open Weights")},
		{"phrase across a line break", one("open weights"), title("open\n\tweights"), nil, hit("open\n\tweights")},
		{"phrase words must be adjacent", one("open weights"), title("open source weights"), nil, nil},
		{"phrase words must be whole", one("open weights"), title("reopen weightsx"), nil, nil},
		{"keyword punctuation is a separator", one("open-weight"), title("an open weight release"), nil, hit("open weight")},
		{"keyword spaces are trimmed", one("  BIS "), title("BIS"), nil, hit("BIS")},
		{"prefix matches a longer ending", one("export control*"), title("Export controls tightened"), nil, hit("Export controls")},
		{"prefix matches the bare word", one("export control*"), title("an export control regime"), nil, hit("export control")},
		{"prefix applies to the last word only", one("export control*"), title("exports controls"), nil, nil},
		{"single-word prefix", one("jailbreak*"), title("Jailbreaking LLMs"), nil, hit("Jailbreaking")},
		{"two-letter prefix", one("AI*", "export control*"), title("AIs and AIxyz rules"), nil, hit("AIs", "AIxyz")},
		{"one-letter prefix", one("x*", "regulat*"), title("Xylophone regulation"), nil, hit("Xylophone", "regulation")},
		{"prefix equal to the word", one("gpu*"), title("a GPU"), nil, hit("GPU")},
		{"prefix longer than the word", one("regulat*"), title("regul"), nil, nil},
		{"prefix must start a word", one("break*"), title("a jailbreak"), nil, nil},
		{"regex finds every spelling", one("/gpt-?4o?/"), title("GPT-4o launched; gpt4 too"), nil, hit("GPT-4o", "gpt4")},
		{"regex runs over raw text", one(`/\$\d+ million/`), title("Startup raises $40 million"), nil, hit("$40 million")},
		{"regex folds the Kelvin sign", one("/kelvin/"), title("\u212Aelvin scale"), nil, hit("\u212Aelvin")},
		{"regex literal with k and s meets the Kelvin sign and long s", one(`/\brisk assessments?/`), title("A new RI\u017F\u212A assessment"), nil, hit("RI\u017F\u212A assessment")},
		{"regex literal with k and s in plain text", one(`/\brisk assessments?/`), title("A new Risk Assessment"), nil, hit("Risk Assessment")},
		{"regex prefilter ignores case", one("/Open ?AI/"), title("OPENAI and openai"), nil, hit("OPENAI")},
		{"regex without match", one("/gpt-?4o?/"), title("GPT-3 only"), nil, nil},
		{"none excludes the topic", []rules.Topic{exportControls}, title("BIS (Bank for International Settlements) report"), nil, nil},
		{"none absent", []rules.Topic{exportControls}, title("BIS adds 12 firms to the Entity List"), nil,
			[]alert.Match{{Topic: "export-controls", Keywords: []string{"BIS", "Entity List"}}}},
		{"all missing", []rules.Topic{{ID: "t", Any: []string{"Llama"}, All: []string{"open weights"}}}, title("Llama 4 is out"), nil, nil},
		{"all present, reported in order of appearance", []rules.Topic{{ID: "t", Any: []string{"Llama"}, All: []string{"open weights"}}},
			alert.Item{Title: "Meta news", Summary: "Open weights for Llama 4"}, nil, hit("Open weights", "Llama")},
		{"empty any matches nothing", []rules.Topic{{ID: "t", All: []string{"AI"}}}, title("AI"), nil, nil},
		{"in restricts to title", []rules.Topic{{ID: "t", Any: []string{"BIS"}, In: []string{"title"}}},
			alert.Item{Title: "Trade news", Summary: "BIS rule"}, nil, nil},
		{"in title matches title", []rules.Topic{{ID: "t", Any: []string{"BIS"}, In: []string{"title"}}},
			alert.Item{Title: "BIS rule", Summary: "BIS again"}, nil, hit("BIS")},
		{"none only counts in searched fields", []rules.Topic{{ID: "t", Any: []string{"BIS"}, None: []string{"bank"}, In: []string{"title"}}},
			alert.Item{Title: "BIS rule", Summary: "a bank"}, nil, hit("BIS")},
		{"categories are searched", one("export controls"), alert.Item{Title: "x", Categories: []string{"Trade", "Export Controls"}}, nil, hit("Export Controls")},
		{"phrase never spans two categories", one("export controls"), alert.Item{Categories: []string{"Export", "Controls"}}, nil, nil},
		{"phrase never spans two fields", one("export controls"), alert.Item{Title: "On export", Summary: "controls were"}, nil, nil},
		{"regex in categories only", []rules.Topic{{ID: "t", Any: []string{"/^policy$/"}, In: []string{"categories"}}},
			alert.Item{Title: "policy", Categories: []string{"Tech", "Policy"}}, nil, hit("Policy")},
		{"topics in the order given", []rules.Topic{{ID: "b", Any: []string{"AI"}}, {ID: "a", Any: []string{"rules"}}}, title("AI rules"), nil,
			[]alert.Match{{Topic: "b", Keywords: []string{"AI"}}, {Topic: "a", Keywords: []string{"rules"}}}},
		{"shared keyword matches every topic", []rules.Topic{{ID: "a", Any: []string{"AI"}}, {ID: "b", Any: []string{"ai"}}}, title("AI"), nil,
			[]alert.Match{{Topic: "a", Keywords: []string{"AI"}}, {Topic: "b", Keywords: []string{"AI"}}}},
		{"topics share trie words", []rules.Topic{{ID: "a", Any: []string{"open weights"}}, {ID: "b", Any: []string{"open*"}}, {ID: "c", Any: []string{"open weights release*"}}},
			title("Open weights released"), nil,
			[]alert.Match{{Topic: "a", Keywords: []string{"Open weights"}}, {Topic: "b", Keywords: []string{"Open"}}, {Topic: "c", Keywords: []string{"Open weights released"}}}},
		{"only restricts to given topics", []rules.Topic{{ID: "a", Any: []string{"AI"}}, {ID: "b", Any: []string{"AI"}}}, title("AI"), []string{"b"},
			[]alert.Match{{Topic: "b", Keywords: []string{"AI"}}}},
		{"only with an unknown id", []rules.Topic{{ID: "a", Any: []string{"AI"}}}, title("AI"), []string{"zzz"}, nil},
		{"upper-case accents fold", one("états"), title("ÉTATS-UNIS"), nil, hit("ÉTATS")},
		{"decomposed accent matches composed", one("états"), title("e\u0301tats"), nil, hit("e\u0301tats")},
		{"accents are not stripped", one("etats"), title("États"), nil, nil},
		{"sharp s folds to ss", one("strasse"), title("Die Straße"), nil, hit("Straße")},
		{"SS matches sharp s", one("straße"), title("STRASSE"), nil, hit("STRASSE")},
		{"full-width letters", one("AI"), title("ＡＩ規制"), nil, hit("ＡＩ")},
		{"ligature", one("fine"), title("ﬁne print"), nil, hit("ﬁne")},
		{"CJK phrase inside a run", one("深度求索"), title("中国公司深度求索发布模型"), nil, hit("深度求索")},
		{"CJK phrase not partial", one("深度求索"), title("深度学习"), nil, nil},
		{"latin word inside CJK", one("AI"), title("使用AI模型"), nil, hit("AI")},
		{"katakana phrase", one("ディープシーク"), title("中国のディープシークが"), nil, hit("ディープシーク")},
		{"half-width katakana", one("ガ"), title("ｶﾞ"), nil, hit("ｶﾞ")},
		{"greek final sigma", one("ΟΔΟΣ"), title("οδος"), nil, hit("οδος")},
		{"digits are words", one("GPT-4"), title("GPT 4 and GPT-40"), nil, hit("GPT 4")},
		{"curly apostrophe", one("don't"), title("Don’t panic"), nil, hit("Don’t")},
		{"deduplicated without regard to case", one("BIS"), alert.Item{Title: "BIS rule", Summary: "the bis list, BIS again"}, nil, hit("BIS")},
		{"different spellings both reported", one("open weights"), alert.Item{Title: "Open Weights", Summary: "open-weights"}, nil,
			hit("Open Weights", "open-weights")},
		{"keyword in any and all reported once", []rules.Topic{{ID: "t", Any: []string{"AI"}, All: []string{"ai"}}}, title("AI"), nil, hit("AI")},
		{"word and the phrase it starts", one("export controls", "export"), title("export controls"), nil, hit("export", "export controls")},
		{"plain and regex in order of appearance", one("/bis/", "entity list"), title("Entity List by BIS"), nil, hit("Entity List", "BIS")},
		{"none as regex", []rules.Topic{{ID: "t", Any: []string{"AI"}, None: []string{"/sponsored/"}}}, title("AI (Sponsored)"), nil, nil},
		{"empty text", one("AI"), alert.Item{}, nil, nil},
		{"no topics", nil, title("AI"), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := rules.Compile(tt.topics)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got := set.Match(tt.item, tt.only...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%+q) = %q, want %q", tt.item.Title, got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		topic   rules.Topic
		wantErr error
		wantIn  string // part of the message
	}{
		{"empty keyword", rules.Topic{ID: "x", Any: []string{""}}, rules.ErrEmptyKeyword, `topic "x": any keyword ""`},
		{"blank keyword", rules.Topic{ID: "x", Any: []string{"AI", "   "}}, rules.ErrEmptyKeyword, `"   "`},
		{"star alone", rules.Topic{ID: "x", Any: []string{"*"}}, rules.ErrNoWords, `"*"`},
		{"punctuation only", rules.Topic{ID: "x", None: []string{"--"}}, rules.ErrNoWords, `none keyword "--"`},
		{"star in the middle", rules.Topic{ID: "x", Any: []string{"ex*port"}}, rules.ErrMisplacedStar, `"ex*port"`},
		{"double star", rules.Topic{ID: "x", Any: []string{"export**"}}, rules.ErrMisplacedStar, `"export**"`},
		{"bad regex", rules.Topic{ID: "x", All: []string{"/gpt(/"}}, rules.ErrBadRegex, "missing closing )"},
		{"empty regex", rules.Topic{ID: "x", Any: []string{"//"}}, rules.ErrEmptyKeyword, `"//"`},
		{"unknown field", rules.Topic{ID: "x", Any: []string{"AI"}, In: []string{"body"}}, rules.ErrUnknownField, `"body"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Compile([]rules.Topic{{ID: "ok", Any: []string{"fine"}}, tt.topic})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Compile error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantIn) || !strings.Contains(err.Error(), `topic "x"`) {
				t.Errorf("error %q does not name topic and keyword (%q)", err, tt.wantIn)
			}
			if cerr := rules.CheckKeyword(firstKeyword(tt.topic)); tt.wantErr != rules.ErrUnknownField && !errors.Is(cerr, tt.wantErr) {
				t.Errorf("CheckKeyword = %v, want %v", cerr, tt.wantErr)
			}
		})
	}
	t.Run("duplicate topic", func(t *testing.T) {
		_, err := rules.Compile([]rules.Topic{{ID: "a", Any: []string{"x"}}, {ID: "a", Any: []string{"y"}}})
		if !errors.Is(err, rules.ErrDuplicateTopic) {
			t.Fatalf("Compile error = %v, want ErrDuplicateTopic", err)
		}
	})
	t.Run("keyword error fields", func(t *testing.T) {
		_, err := rules.Compile([]rules.Topic{{ID: "a", Any: []string{"x"}, None: []string{"ok", "/(/"}}})
		var ke *rules.KeywordError
		if !errors.As(err, &ke) || ke.Topic != "a" || ke.List != "none" || ke.Index != 1 || ke.Keyword != "/(/" {
			t.Fatalf("error = %#v, want KeywordError{a none 1 /(/}", err)
		}
	})
}

func firstKeyword(t rules.Topic) string {
	for _, l := range [][]string{t.Any, t.All, t.None} {
		for _, k := range l {
			if k != "AI" {
				return k
			}
		}
	}
	return ""
}

func TestMatchConcurrent(t *testing.T) {
	set, err := rules.Compile([]rules.Topic{
		{ID: "a", Any: []string{"open weights", "export control*", "/gpt-?4/"}},
		{ID: "b", Any: []string{"深度求索", "BIS"}, None: []string{"bisque"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				it := alert.Item{Title: fmt.Sprintf("item %d of %d: Open-Weights and GPT-4 from 深度求索", i, g), Summary: "BIS export controls"}
				got := set.Match(it)
				want := []alert.Match{
					{Topic: "a", Keywords: []string{"Open-Weights", "GPT-4", "export controls"}},
					{Topic: "b", Keywords: []string{"深度求索", "BIS"}},
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Match = %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
