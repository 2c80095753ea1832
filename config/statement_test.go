package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/retention-exporter/retention_exporter/fact"
)

func TestParseStatementAccepts(t *testing.T) {
	tests := []struct {
		name       string
		sql        string
		wantSQL    string // "" means: the input, trimmed
		wantParams []string
	}{
		{name: "plain select", sql: "SELECT 1"},
		{name: "lower case", sql: "select client_id from clients"},
		{name: "surrounding space", sql: "\n  SELECT 1 \n\t", wantSQL: "SELECT 1"},
		{
			name:       "named placeholders in order, repeats kept",
			sql:        "SELECT * FROM t WHERE a > :window_start AND a <= :now AND (b = :today OR c = :today)",
			wantSQL:    "SELECT * FROM t WHERE a > CAST(? AS DATETIME(6)) AND a <= CAST(? AS DATETIME(6)) AND (b = CAST(? AS DATE) OR c = CAST(? AS DATE))",
			wantParams: []string{ParamWindowStart, ParamNow, ParamToday, ParamToday},
		},
		{
			name:       "every known parameter",
			sql:        "SELECT :now, :today, :history_start, :window_start, :positive_score",
			wantSQL:    "SELECT CAST(? AS DATETIME(6)), CAST(? AS DATE), CAST(? AS DATE), CAST(? AS DATETIME(6)), ?",
			wantParams: []string{"now", "today", "history_start", "window_start", "positive_score"},
		},
		{
			name:       "placeholder next to punctuation",
			sql:        "SELECT DATE_ADD(:today,INTERVAL 1 DAY),(:now)",
			wantSQL:    "SELECT DATE_ADD(CAST(? AS DATE),INTERVAL 1 DAY),(CAST(? AS DATETIME(6)))",
			wantParams: []string{ParamToday, ParamNow},
		},
		{name: "with", sql: "WITH x AS (SELECT 1 AS n) SELECT n FROM x"},
		{
			name: "with recursive",
			sql: `WITH RECURSIVE days (d) AS (
  SELECT :history_start
  UNION ALL
  SELECT d + INTERVAL 1 DAY FROM days WHERE d < :today
)
SELECT d FROM days`,
			wantSQL: `WITH RECURSIVE days (d) AS (
  SELECT CAST(? AS DATE)
  UNION ALL
  SELECT d + INTERVAL 1 DAY FROM days WHERE d < CAST(? AS DATE)
)
SELECT d FROM days`,
			wantParams: []string{ParamHistoryStart, ParamToday},
		},
		{
			name: "window function",
			sql:  "SELECT client_id, ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY assessed_at DESC) AS rn FROM assessments",
		},
		{name: "union", sql: "SELECT a FROM t1 UNION SELECT a FROM t2 UNION ALL SELECT a FROM t3"},
		{name: "parenthesised selects", sql: "(SELECT 1) UNION (SELECT 2)"},
		{name: "doubly parenthesised", sql: "((SELECT 1))"},
		{name: "REPLACE() string function", sql: "SELECT REPLACE(name, 'Ltd', 'Limited') AS name FROM clients"},
		{name: "REPLACE () with a space", sql: "SELECT REPLACE (name, 'a', 'b') FROM clients"},
		{name: "INSERT() string function", sql: "SELECT INSERT(name, 1, 3, 'X') FROM clients"},
		{name: "insert() lower case across a newline", sql: "SELECT insert\n(name, 1, 3, 'X') FROM clients"},
		{name: "identifiers containing keywords", sql: "SELECT updated_at, deleted, insert_by, into_x, `update` FROM t"},
		{name: "string with placeholder, semicolon and DELETE", sql: "SELECT ':today; DELETE FROM t' AS s"},
		{name: "double-quoted string", sql: `SELECT ":now; DROP TABLE x" AS s`},
		{name: "backquoted identifier", sql: "SELECT `a:today;DELETE` FROM t"},
		{
			// A backslash escapes nothing inside backquotes.
			name:       "backslash ends a backquoted identifier",
			sql:        "SELECT `a\\` FROM t WHERE d = :today",
			wantSQL:    "SELECT `a\\` FROM t WHERE d = CAST(? AS DATE)",
			wantParams: []string{ParamToday},
		},
		{
			name:       "doubled and escaped quotes stay inside the string",
			sql:        `SELECT 'it''s :now; DELETE', 'a\'; UPDATE :today' FROM t WHERE d = :today`,
			wantSQL:    `SELECT 'it''s :now; DELETE', 'a\'; UPDATE :today' FROM t WHERE d = CAST(? AS DATE)`,
			wantParams: []string{ParamToday},
		},
		{name: "question mark in a string", sql: "SELECT 'why?' AS q"},
		{
			name:       "line comment",
			sql:        "SELECT 1 -- :today; DELETE FROM t ? :bogus\n, :now",
			wantSQL:    "SELECT 1 -- :today; DELETE FROM t ? :bogus\n, CAST(? AS DATETIME(6))",
			wantParams: []string{ParamNow},
		},
		{name: "line comment at the very end", sql: "SELECT 1 --"},
		{name: "line comment after a tab", sql: "SELECT 1 --\tINSERT INTO"},
		{name: "hash comment", sql: "SELECT 1 # UPDATE t SET x = :bogus;\n"},
		{name: "block comment", sql: "SELECT /* ; DELETE :bogus ? */ 1"},
		{name: "leading block comment", sql: "/* nightly */ SELECT 1"},
		{name: "leading line comment", sql: "-- tickets per client\nWITH t AS (SELECT 1) SELECT * FROM t"},
		{name: "optimizer hint", sql: "SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1"},
		{name: "trailing semicolon", sql: "SELECT 1;", wantSQL: "SELECT 1"},
		{name: "trailing semicolon, space and comments", sql: "SELECT 1 ;  \n -- done\n /* end */ # really", wantSQL: "SELECT 1   \n -- done\n /* end */ # really"},
		{name: "minus minus without space is arithmetic", sql: "SELECT 5--3"},
		{name: "assignment colon", sql: "SELECT @x:=1"},
		{name: "CASE and DATE_ADD", sql: "SELECT CASE WHEN d >= DATE_ADD(:today, INTERVAL -90 DAY) THEN 1 ELSE 0 END FROM t",
			wantSQL: "SELECT CASE WHEN d >= DATE_ADD(CAST(? AS DATE), INTERVAL -90 DAY) THEN 1 ELSE 0 END FROM t", wantParams: []string{ParamToday}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseStatement(tt.sql)
			if err != nil {
				t.Fatalf("ParseStatement(%q): %v", tt.sql, err)
			}
			want := tt.wantSQL
			if want == "" {
				want = strings.TrimSpace(tt.sql)
			}
			if st.SQL != want {
				t.Errorf("SQL = %q, want %q", st.SQL, want)
			}
			if !slices.Equal(st.Params, tt.wantParams) {
				t.Errorf("Params = %v, want %v", st.Params, tt.wantParams)
			}
		})
	}
}

func TestParseStatementRejects(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want string // substring of the error
	}{
		{"empty", "", "empty"},
		{"only space", "  \n ", "empty"},
		{"only a comment", "-- nothing\n/* here */", "empty"},
		{"update", "UPDATE clients SET name = 'x'", "UPDATE"},
		{"delete", "DELETE FROM clients", "DELETE"},
		{"insert select", "INSERT INTO t SELECT * FROM clients", "INSERT"},
		{"insert without into", "INSERT t (a) SELECT 1", "INSERT"},
		{"replace into", "REPLACE INTO t SELECT 1", "REPLACE"},
		{"drop", "DROP TABLE clients", "DROP"},
		{"truncate", "TRUNCATE clients", "TRUNCATE"},
		{"create as select", "CREATE TABLE x AS SELECT 1", "CREATE"},
		{"call", "CALL refresh()", "CALL"},
		{"set", "SET @a = 1", "SET"},
		{"show", "SHOW TABLES", "SHOW"},
		{"values", "VALUES ROW(1)", "VALUES"},
		{"with then delete", "WITH x AS (SELECT 1) DELETE FROM t", "DELETE"},
		{"with then update", "WITH x AS (SELECT 1) UPDATE t SET a = 1", "UPDATE"},
		{"two statements", "SELECT 1; SELECT 2", "single statement"},
		{"select then delete", "SELECT 1; DELETE FROM t", "single statement"},
		{"statement after a comment line", "SELECT 1; -- ok\nDROP TABLE t", "single statement"},
		{"string after semicolon", "SELECT 1;'x'", "single statement"},
		{"parenthesis after semicolon", "SELECT 1;(SELECT 2)", "single statement"},
		{"placeholder after semicolon", "SELECT 1; :today", "single statement"},
		{"select into outfile", "SELECT * FROM clients INTO OUTFILE '/tmp/x'", "INTO"},
		{"select into variable", "SELECT name INTO @n FROM clients LIMIT 1", "INTO"},
		{"select into dumpfile", "SELECT 1 INTO DUMPFILE '/tmp/y'", "INTO"},
		{"for update", "SELECT * FROM clients FOR UPDATE", "UPDATE"},
		{"lock in share mode", "SELECT * FROM clients LOCK IN SHARE MODE", "LOCK IN is not allowed"},
		{"for share", "SELECT * FROM clients FOR SHARE", "FOR SHARE is not allowed"},
		{"with then insert", "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "INSERT"},
		{"keyword columns then a second statement", "SELECT load, rename FROM t; RENAME TABLE t TO u", "single statement"},
		{"positional placeholder", "SELECT * FROM t WHERE d < ?", "named parameters"},
		{"unknown parameter", "SELECT * FROM t WHERE d < :tomorrow", ":tomorrow"},
		{"parameter with a known prefix", "SELECT :today_utc", ":today_utc"},
		{"executable comment", "SELECT /*! DELETE FROM t */ 1", "executable"},
		{"versioned executable comment", "SELECT 1 /*!50000 INTO OUTFILE '/tmp/x' */", "executable"},
		{"MariaDB executable comment", "SELECT 1 /*M! INTO OUTFILE '/tmp/x' */", "executable"},
		{"MariaDB versioned executable comment", "SELECT 1 /*M!100000 INTO OUTFILE '/tmp/x' */", "executable"},
		{"unterminated string", "SELECT 'abc", "unterminated"},
		{"unterminated string ending in a backslash", `SELECT 'abc\'`, "unterminated"},
		{"unterminated identifier", "SELECT `abc", "unterminated"},
		{"unterminated comment", "SELECT 1 /* never closed", "unterminated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ParseStatement(tt.sql)
			if err == nil {
				t.Fatalf("ParseStatement(%q) = %+v, want an error", tt.sql, st)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestDefaultSQLParses(t *testing.T) {
	for _, f := range fact.All {
		if _, err := ParseStatement(f.DefaultSQL); err != nil {
			t.Errorf("default SQL of %s: %v", f.Name, err)
		}
	}
}

// TestStatementNear: a server's parse error quotes the SQL it was sent,
// with placeholders rewritten; Near finds the place in the text as written.
// Lines count from the statement's first word, as the server counts them.
func TestStatementNear(t *testing.T) {
	written := "\n  SELECT client_id, COUNT(*) AS tickets\n  FROM tickets\n" +
		"  WHERE created_at > :window_start AND AND created_at <= :now\n  GROUP BY client_id ORDER BYY client_id\n"
	st, err := ParseStatement(written)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) string { return st.SQL[strings.Index(st.SQL, s):] }
	for _, c := range []struct {
		snippet string
		line    int
		want    string
	}{
		// After a placeholder: the server quotes CAST(? AS ...), the user wrote :now.
		{at("AND created_at"), 3, `line 3, near "AND created_at <= :now"`},
		// Inside a placeholder: its :name.
		{at("? AS DATETIME(6)) AND"), 3, `line 3, near ":window_start AND AND created_at <= :now"`},
		{at("BYY"), 4, `line 4, near "BYY client_id"`},
		{"", 4, "the end of line 4"},
		{"not in the statement", 1, ""},
	} {
		if got := st.Near(c.snippet, c.line); got != c.want {
			t.Errorf("Near(%.30q, %d) = %q, want %q", c.snippet, c.line, got, c.want)
		}
	}
	// A quote that occurs twice is placed by its line.
	st, err = ParseStatement("SELECT a\nFROM t WHERE x = :today\nUNION SELECT a\nFROM t WHERE x = :today")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Near("FROM t WHERE x = CAST(? AS DATE)", 4), `line 4, near "FROM t WHERE x = :today"`; got != want {
		t.Errorf("second occurrence: %q, want %q", got, want)
	}
	if got, want := strings.Count(st.SQL[:strings.LastIndex(st.SQL, "FROM")], "\n")+1, 4; got != want {
		t.Fatalf("the statement's lines moved: %d", got)
	}
}

// TestParseStatementKeywordColumns: real columns named like statements of
// their own, unquoted, are accepted, and so is any word after a '.'.
func TestParseStatementKeywordColumns(t *testing.T) {
	for _, sql := range []string{
		"SELECT load, lock, handler, rename FROM servers",
		"SELECT s.load AS load FROM servers s WHERE s.lock = 0 ORDER BY handler",
		"SELECT c.update, c.delete, c.into FROM changes c",
		"WITH h AS (SELECT handler, rename FROM t) SELECT * FROM h",
		"SELECT REPLACE(name, 'a', 'b'), INSERT(name, 1, 2, 'x') FROM t",
	} {
		if _, err := ParseStatement(sql); err != nil {
			t.Errorf("ParseStatement(%q): %v", sql, err)
		}
	}
}
