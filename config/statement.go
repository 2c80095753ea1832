package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// Parameter names a query may use as :name placeholders.
const (
	ParamNow           = "now"            // refresh time, DATETIME in the configured zone
	ParamToday         = "today"          // calendar date of now
	ParamHistoryStart  = "history_start"  // today minus the longest date window
	ParamWindowStart   = "window_start"   // now minus the window (windowed queries only)
	ParamPositiveScore = "positive_score" // lowest survey score counted as positive
)

var knownParams = map[string]bool{
	ParamNow: true, ParamToday: true, ParamHistoryStart: true,
	ParamWindowStart: true, ParamPositiveScore: true,
}

// Statement is a checked read-only statement with its named placeholders
// rewritten to '?' and the parameter each placeholder binds, in order.
type Statement struct {
	SQL    string
	Params []string
	// marks are the offsets in SQL of the '?' of each parameter.
	marks []int
	// text is the statement as written; subs are the placeholders that
	// differ between it and SQL, in order.
	text string
	subs []substitution
}

// substitution is one :name placeholder: at offset out in SQL, of length
// outLen, where the written text has inLen bytes at offset in.
type substitution struct{ out, outLen, in, inLen int }

// writeKeywords may not appear as bare words in a read statement: they
// are the words by which a statement that starts with SELECT or WITH can
// write (WITH ... DELETE, SELECT ... INTO OUTFILE, FOR UPDATE) or hold a
// second statement's verb. Words that only start statements of their own
// (LOAD, LOCK, HANDLER, RENAME, ...) cannot occur inside a single SELECT,
// so real columns named so are accepted. INSERT and REPLACE are also
// string functions, so they are allowed when followed by '('; any word
// after a '.' is a qualified name's identifier.
var writeKeywords = map[string]bool{
	"UPDATE": true, "DELETE": true, "INTO": true, "CREATE": true, "DROP": true,
	"ALTER": true, "TRUNCATE": true, "GRANT": true, "REVOKE": true,
	"CALL": true, "INSERT": true, "REPLACE": true,
}

// ParseStatement checks that sql is a single read statement (SELECT or
// WITH, possibly parenthesised) and rewrites :name placeholders to '?'.
// Strings, quoted identifiers and comments are left untouched.
func ParseStatement(sql string) (Statement, error) { return parseStatement(sql, nil) }

// parseStatement is ParseStatement with a mapping's own parameters: a
// scalar becomes one '?', a list one '?' per item, comma-separated, for
// use inside IN (...).
func parseStatement(sql string, mapping map[string]MappingParam) (Statement, error) {
	var (
		out    strings.Builder
		params []string
		marks  []int
		subs   []substitution
		first  string
		prev   string // the previous bare word, upper case
		rest   bool   // a ';' was seen: anything but space and comments after it is a second statement
	)
	n := len(sql)
	for i := 0; i < n; {
		c := sql[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := skipQuoted(sql, i)
			if j < 0 {
				return Statement{}, fmt.Errorf("unterminated %c quote", c)
			}
			if rest {
				return Statement{}, errors.New("only a single statement is allowed")
			}
			out.WriteString(sql[i:j])
			i = j
		case c == '-' && i+2 < n && sql[i+1] == '-' && (sql[i+2] == ' ' || sql[i+2] == '\t'),
			c == '-' && i+2 == n && sql[i+1] == '-',
			c == '#':
			j := strings.IndexByte(sql[i:], '\n')
			if j < 0 {
				j = n - i
			}
			out.WriteString(sql[i : i+j])
			i += j
		case c == '/' && i+1 < n && sql[i+1] == '*':
			j := strings.Index(sql[i+2:], "*/")
			if j < 0 {
				return Statement{}, errors.New("unterminated /* comment")
			}
			// MySQL runs the text of /*! ... */ and MariaDB also that of
			// /*M! ... */: neither is a comment.
			body := sql[i+2:]
			if strings.HasPrefix(body, "!") || strings.HasPrefix(body, "M!") || strings.HasPrefix(body, "m!") {
				return Statement{}, errors.New("executable comments (/*! ... */, /*M! ... */) are not allowed")
			}
			out.WriteString(sql[i : i+2+j+2])
			i += 2 + j + 2
		case c == ';':
			rest = true
			i++
		case c == '?':
			return Statement{}, errors.New("use named parameters such as :today instead of '?'")
		case c == ':' && i+1 < n && isIdentStart(sql[i+1]):
			j := i + 1
			for j < n && isIdentPart(sql[j]) {
				j++
			}
			name := sql[i+1 : j]
			mp, declared := mapping[name]
			if !knownParams[name] && !declared {
				return Statement{}, fmt.Errorf("unknown parameter :%s (known: :now, :today, :history_start, :window_start, :positive_score%s)", name, declaredList(mapping))
			}
			if rest {
				return Statement{}, errors.New("only a single statement is allowed")
			}
			ph := placeholder(name)
			switch {
			case !declared:
				params = append(params, name)
				marks = append(marks, out.Len()+strings.IndexByte(ph, '?'))
			case mp.List:
				ph = strings.TrimSuffix(strings.Repeat("?, ", len(mp.Values)), ", ")
				for k := range mp.Values {
					params = append(params, elementParam(name, k))
					marks = append(marks, out.Len()+3*k)
				}
			default:
				params = append(params, name)
				marks = append(marks, out.Len())
			}
			subs = append(subs, substitution{out: out.Len(), outLen: len(ph), in: i, inLen: j - i})
			out.WriteString(ph)
			i = j
		case isIdentStart(c):
			j := i
			for j < n && isIdentPart(sql[j]) {
				j++
			}
			if rest {
				return Statement{}, errors.New("only a single statement is allowed")
			}
			word := strings.ToUpper(sql[i:j])
			if first == "" {
				first = word
			}
			qualified := i > 0 && sql[i-1] == '.'
			if writeKeywords[word] && !followedByParen(sql, j) && !qualified {
				return Statement{}, fmt.Errorf("%s is not allowed: only read statements (SELECT, WITH) are accepted", word)
			}
			// Locking reads would hold the PSA's writers.
			if !qualified && (prev == "LOCK" && word == "IN" || prev == "FOR" && word == "SHARE") {
				return Statement{}, fmt.Errorf("%s %s is not allowed: a locking read would block the PSA's writers", prev, word)
			}
			prev = word
			if qualified {
				prev = ""
			}
			out.WriteString(sql[i:j])
			i = j
		default:
			if rest && !isSpace(c) {
				return Statement{}, errors.New("only a single statement is allowed")
			}
			out.WriteByte(c)
			i++
		}
	}
	switch first {
	case "SELECT", "WITH":
	case "":
		return Statement{}, errors.New("empty statement")
	default:
		return Statement{}, fmt.Errorf("statement starts with %s: only read statements (SELECT, WITH) are accepted", first)
	}
	text := out.String()
	lead := len(text) - len(strings.TrimLeftFunc(text, unicode.IsSpace))
	// The leading space and comments are copied, so both texts lose the
	// same lead.
	for i := range marks {
		marks[i] -= lead
	}
	for i := range subs {
		subs[i].out -= lead
		subs[i].in -= lead
	}
	return Statement{SQL: strings.TrimSpace(text), Params: params, marks: marks,
		text: strings.TrimRightFunc(sql[lead:], unicode.IsSpace), subs: subs}, nil
}

// declaredList names a mapping's parameters for an error message.
func declaredList(mapping map[string]MappingParam) string {
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(mapping)) {
		b.WriteString(", :" + name)
	}
	if b.Len() == 0 {
		return ""
	}
	return "; declared under params:" + strings.TrimPrefix(b.String(), ",")
}

// Near says where in the statement as written the server's parse error
// is: the server quotes the SQL it was sent from the error on (snippet)
// and its line, and placeholders make that text differ from the user's.
func (s Statement) Near(snippet string, line int) string {
	off := -1
	if snippet == "" {
		off = len(s.SQL)
	}
	for from := 0; snippet != "" && from <= len(s.SQL); {
		i := strings.Index(s.SQL[from:], snippet)
		if i < 0 {
			break
		}
		if off < 0 || strings.Count(s.SQL[:from+i], "\n")+1 == line {
			off = from + i
		}
		from += i + 1
	}
	if off < 0 {
		return ""
	}
	in := s.userOffset(off)
	userLine := strings.Count(s.text[:in], "\n") + 1
	rest := s.text[in:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	if rest = strings.TrimSpace(rest); rest == "" {
		return fmt.Sprintf("the end of line %d", userLine)
	}
	if len(rest) > 60 {
		rest = rest[:60] + "…"
	}
	return fmt.Sprintf("line %d, near %q", userLine, rest)
}

// userOffset maps an offset in SQL to the written text: an offset inside
// a placeholder maps to the start of its :name.
func (s Statement) userOffset(off int) int {
	delta := 0
	for _, sub := range s.subs {
		if off < sub.out {
			break
		}
		if off < sub.out+sub.outLen {
			return sub.in
		}
		delta += sub.inLen - sub.outLen
	}
	return min(max(off+delta, 0), len(s.text))
}

// placeholder is the bound parameter for a name, typed: the driver sends
// times as strings, and a string compared with a DATETIME column keeps
// MariaDB from using the column's index (a 30-day ticket count took 10x
// longer than with a literal).
func placeholder(name string) string {
	switch name {
	case ParamNow, ParamWindowStart:
		return "CAST(? AS DATETIME(6))"
	case ParamToday, ParamHistoryStart:
		return "CAST(? AS DATE)"
	}
	return "?"
}

// skipQuoted returns the index just past the quoted run starting at i, or
// -1 when it is not terminated. Doubled quotes and backslash escapes stay inside.
func skipQuoted(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

func followedByParen(s string, j int) bool {
	for ; j < len(s); j++ {
		if !isSpace(s[j]) {
			return s[j] == '('
		}
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }
