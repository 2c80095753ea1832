package report

import (
	_ "embed"
	"html/template"
	"io"
)

var (
	//go:embed page.html
	pageHTML string
	//go:embed page.css
	pageCSS string

	tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
		"add": func(a, b float64) float64 { return a + b },
	}).Parse(pageHTML))
)

// Render writes the client's page: one self-contained HTML file, its
// style and charts inline, that reads without scripts or requests and
// prints to A4 and Letter.
func Render(w io.Writer, d *Data, s Settings) error {
	p, err := build(d, s)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, struct {
		*page
		CSS template.CSS
	}{p, template.CSS(pageCSS)})
}
