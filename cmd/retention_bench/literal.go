package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/retention-exporter/retention_exporter/config"
)

// literalSQL is a planned query with its values written in as SQL
// literals, for clients that bind no parameters: the mariadb client and
// prometheus-sql-exporter.
func literalSQL(q config.PlannedQuery) (string, error) {
	var b strings.Builder
	last := 0
	for i, at := range q.Placeholders() {
		b.WriteString(q.SQL[last:at])
		switch v := q.Args[i].(type) {
		case time.Time:
			b.WriteString("'" + v.Format("2006-01-02 15:04:05.999999") + "'")
		case int:
			b.WriteString(strconv.Itoa(v))
		default:
			return "", fmt.Errorf("query %s: no SQL literal for a %T", q.Name(), v)
		}
		last = at + 1
	}
	b.WriteString(q.SQL[last:])
	return b.String(), nil
}
