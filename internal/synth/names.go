package synth

import (
	"fmt"
	"math/rand/v2"
)

var (
	companyPrefixes = []string{
		"Acorn", "Alder", "Apex", "Aspen", "Atlas", "Beacon", "Birch", "Blue Ridge", "Bluebird",
		"Brookside", "Cascade", "Cobalt", "Copper", "Crescent", "Crestview", "Evergreen", "Falcon",
		"Fairview", "Granite", "Harbor", "Heritage", "Highland", "Ironwood", "Juniper", "Keystone",
		"Lakeside", "Liberty", "Maple", "Meridian", "Northstar", "Oakridge", "Pinnacle", "Prairie",
		"Redwood", "Riverside", "Sierra", "Silverline", "Stonebridge", "Tidewater", "Trident",
		"Valley", "Westfield", "Willow", "Golden Gate", "Pioneer", "Sterling",
	}
	companyTrades = []string{
		"Dental", "Family Medicine", "Veterinary", "Law", "Accounting", "Insurance", "Realty",
		"Logistics", "Manufacturing", "Engineering", "Architects", "Construction", "Credit Union",
		"Pharmacy", "Orthodontics", "Marketing", "Consulting", "Foods", "Brewing", "Auto Group",
		"Property Management", "Title", "Wealth Advisors", "Foundation", "Academy", "Labs",
		"Design", "Hospitality", "Printing", "Surgical Center",
	}
	companySuffixes = []string{"", " LLC", " Inc.", " Group", " Partners", " & Co.", " Ltd"}
	cities          = []string{
		"Austin", "Boise", "Denver", "Leeds", "Bristol", "Dublin", "Tampa", "Omaha", "Reno",
		"Salem", "Tulsa", "Fresno", "Albany", "Dayton", "Eugene", "Lyon", "Graz", "Ghent",
		"Utrecht", "Aarhus",
	}
	firstNames = []string{
		"Alex", "Jordan", "Sam", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
		"Priya", "Chen", "Fatima", "Luca", "Sofia", "Mateo", "Hannah", "Noah", "Amara", "Kenji",
		"Olivia", "Ethan", "Grace", "Omar",
	}
	lastNames = []string{
		"Morgan", "Patel", "Nguyen", "Garcia", "Smith", "Okafor", "Schmidt", "Rossi", "Kowalski",
		"Johansson", "Murphy", "Kim", "Silva", "Cohen", "Dubois", "Tanaka", "Walker", "Hughes",
		"Novak", "Reyes",
	}
	// Churn reasons as account managers type them: the exporter trims and
	// lower-cases them.
	churnReasons = []weighted[string]{
		{"Price", 22}, {"price ", 4}, {"Service quality", 16}, {"Acquired", 10},
		{"Moved in-house", 9}, {"Competitor", 12}, {"Out of business", 7}, {"Budget cuts", 8},
		{"Relocation", 3}, {"Poor communication", 4},
	}
)

type weighted[T any] struct {
	value  T
	weight int
}

func pick[T any](r *rand.Rand, choices []weighted[T]) T {
	total := 0
	for _, c := range choices {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range choices {
		if n < c.weight {
			return c.value
		}
		n -= c.weight
	}
	return choices[len(choices)-1].value
}

func personName(r *rand.Rand) string {
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}

// names hands out unique company names.
type names map[string]bool

func (n names) company(r *rand.Rand) string {
	base := companyPrefixes[r.IntN(len(companyPrefixes))] + " " + companyTrades[r.IntN(len(companyTrades))]
	for _, suffix := range companySuffixes {
		if name := base + suffix; !n[name] {
			n[name] = true
			return name
		}
	}
	for _, city := range cities {
		if name := base + " (" + city + ")"; !n[name] {
			n[name] = true
			return name
		}
	}
	for i := 2; ; i++ {
		if name := fmt.Sprintf("%s %d", base, i); !n[name] {
			n[name] = true
			return name
		}
	}
}

// accountManagers returns a fixed team sized to the book of clients.
func accountManagers(clients int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1<<40))
	n := min(max(3, clients/60), 40)
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		name := personName(r)
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}
