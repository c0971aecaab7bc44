// Package edigen generates realistic EANCOM D96A interchanges for benchmarks
// and load tests: ORDERS, DESADV and INVOIC in turn, with German text
// (umlauts in ISO 8859-1), service characters that need the release
// character, and correct control counts. The output for a seed never changes.
package edigen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// Options say what to generate.
type Options struct {
	Messages int    // number of messages (default 100)
	Lines    int    // line items per message (default 10)
	Seed     uint64 // the same seed gives the same bytes
	UTF8     bool   // encode as UTF-8 (UNOW) instead of ISO 8859-1 (UNOC)
	NoBreaks bool   // no line break after each segment terminator
}

// Stats describe what was generated.
type Stats struct {
	Messages int
	Segments int // UNB to UNZ, UNA not counted
	Bytes    int64
}

var (
	cities = [][2]string{{"Köln", "50667"}, {"München", "80331"}, {"Düsseldorf", "40213"},
		{"Nürnberg", "90402"}, {"Würzburg", "97070"}, {"Lübeck", "23552"},
		{"Gießen", "35390"}, {"Osnabrück", "49074"}, {"Saarbrücken", "66111"},
		{"Hamburg", "20095"}, {"Berlin", "10115"}, {"Bremen", "28195"}}
	streets = []string{"Hauptstraße", "Bahnhofstraße", "Schloßallee", "Mühlenweg",
		"Gartenstraße", "Königsplatz", "Am Weißen Stein", "Rüdesheimer Str.",
		"Industriestraße", "Große Bleiche"}
	companies = []string{"Müller & Söhne GmbH", "Bäckerei Schäfer KG", "Großhandel Jäger AG",
		"Köstritzer Getränke", "Weiß + Partner", "Fröhlich Logistik",
		"Brüder Özdemir OHG", "Süßwaren Hübner", "O'Neill Imports Ltd",
		"Lebensmittel Krüger e.K."}
	products = []string{"Apfelsaft naturtrüb 1,0L", "Vollmilch 3,5% 1L", "Weißbier 0,5L",
		"Brötchen 6er", "Käse Gouda jung 400g", "Würstchen Wiener 250g",
		"Müsli Früchte 750g", "Süßstoff 1200 Stk", "Kaffee Röstung 500g",
		"Öl Sonnenblume 1L", "Schokolade Zartbitter 100g",
		"Erbsen + Möhren 400g", "Tee: Kräuter 20x2g", "Quark 40% Fett 500g"}
	notes = []string{"Lieferung bitte über Rampe 3", "Anlieferung Mo-Fr 06:00-14:00",
		"Rückfragen an Hr. Schröder", "Palettentausch 1:1 erwünscht",
		"Preise gem. Vereinbarung + Rabatt 2%", "Achtung: Kühlware",
		"Don't stack", "Ist das korrekt? Bitte prüfen", "Größe ändern?",
		"Bestellung ersetzt Nr. 4711"}
)

type item struct {
	gtin, desc, supplierID string
	price                  float64
}

type generator struct {
	rng   *rand.Rand
	lines int
	glns  []string
	items []item
	segs  []string
}

// Write generates an interchange into w.
func Write(w io.Writer, opt Options) (Stats, error) {
	if opt.Messages <= 0 {
		opt.Messages = 100
	}
	if opt.Lines <= 0 {
		opt.Lines = 10
	}
	g := newGenerator(opt)
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := &countingWriter{w: bw}
	enc := func(s string) []byte { return []byte(s) }
	syntax := "UNOW"
	if !opt.UTF8 {
		syntax = "UNOC"
		e := charmap.ISO8859_1.NewEncoder()
		enc = func(s string) []byte {
			b, err := e.Bytes([]byte(s))
			if err != nil {
				panic(err) // the word lists are all Latin-1
			}
			return b
		}
	}
	brk := "\n"
	if opt.NoBreaks {
		brk = ""
	}
	emit := func(seg string) { cw.Write(enc(seg + "'" + brk)) }
	ref := fmt.Sprintf("IC%08d", opt.Seed)
	cw.Write([]byte("UNA:+.? '" + brk))
	emit(fmt.Sprintf("UNB+%s:3+%s:14+%s:14+240315:1030+%s", syntax, g.glns[0], g.glns[1], ref))
	st := Stats{Messages: opt.Messages, Segments: 2}
	kinds := []func(int) []string{g.orders, g.desadv, g.invoic}
	for n := 0; n < opt.Messages; n++ {
		segs := kinds[n%3](n + 1)
		mref := "M" + strconv.Itoa(n+1)
		emit("UNH+" + mref + "+" + segs[0])
		for _, s := range segs[1:] {
			emit(s)
		}
		emit("UNT+" + strconv.Itoa(len(segs)+1) + "+" + mref)
		st.Segments += len(segs) + 1
	}
	emit(fmt.Sprintf("UNZ+%d+%s", opt.Messages, ref))
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.Bytes = cw.n
	return st, cw.err
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(b []byte) {
	if c.err != nil {
		return
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
}

func newGenerator(opt Options) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(opt.Seed, 0x9e3779b97f4a7c15)), lines: opt.Lines}
	for range 40 {
		g.glns = append(g.glns, g.gtin("40"))
	}
	for range 500 {
		g.items = append(g.items, item{
			gtin:       g.gtin("400"),
			desc:       pick(g.rng, products),
			price:      float64(19+g.rng.IntN(4981)) / 100,
			supplierID: fmt.Sprintf("%06d", 1+g.rng.IntN(999999)),
		})
	}
	return g
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }

// checkDigit computes the GS1 mod-10 check digit of a GTIN, GLN or SSCC body.
func checkDigit(body string) string {
	sum := 0
	for i := range len(body) {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

func (g *generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	return string(b)
}

func (g *generator) gtin(prefix string) string {
	body := prefix + g.digits(12-len(prefix))
	return body + checkDigit(body)
}

func (g *generator) sscc() string {
	body := "34012345" + g.digits(9)
	return body + checkDigit(body)
}

// esc applies the release character to the service characters.
func esc(s string) string {
	if !strings.ContainsAny(s, "?+:'") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("?+:'", r) {
			b.WriteByte('?')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func money(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

func (g *generator) add(parts ...string) {
	for len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	g.segs = append(g.segs, strings.Join(parts, "+"))
}

func (g *generator) date() string {
	return fmt.Sprintf("2024%02d%02d", 1+g.rng.IntN(12), 1+g.rng.IntN(28))
}

func (g *generator) note() string { return esc(pick(g.rng, notes)) }

func (g *generator) party(qual string, full bool) {
	gln := pick(g.rng, g.glns)
	if !full {
		g.add("NAD", qual, gln+"::9")
		return
	}
	city := pick(g.rng, cities)
	street := fmt.Sprintf("%s %d", pick(g.rng, streets), 1+g.rng.IntN(180))
	g.add("NAD", qual, gln+"::9", "", esc(pick(g.rng, companies)), esc(street), esc(city[0]), "", city[1], "DE")
}

func (g *generator) orders(n int) []string {
	g.segs = []string{"ORDERS:D:96A:UN:EAN008"}
	g.add("BGM", "220", fmt.Sprintf("PO%08d", n), "9")
	g.add("DTM", "137:"+g.date()+":102")
	g.add("DTM", "2:"+g.date()+":102")
	if g.rng.IntN(2) == 0 {
		g.add("FTX", "ZZZ", "1", "", g.note()+":"+g.note())
	}
	g.add("RFF", fmt.Sprintf("CT:K%05d", 1+g.rng.IntN(99999)))
	for _, q := range []string{"BY", "SU", "DP", "IV"} {
		g.party(q, q != "DP" || g.rng.IntN(2) == 0)
	}
	g.add("RFF", fmt.Sprintf("VA:DE%09d", g.rng.IntN(1000000000)))
	g.add("CUX", "2:EUR:9")
	total := 0.0
	for i := 1; i <= g.lines; i++ {
		it := pick(g.rng, g.items)
		qty := 1 + g.rng.IntN(240)
		g.add("LIN", strconv.Itoa(i), "", it.gtin+":EN")
		g.add("PIA", "1", it.supplierID+":SA")
		g.add("IMD", "F", "", ":::"+esc(it.desc))
		g.add("QTY", "21:"+strconv.Itoa(qty))
		amount := float64(qty) * it.price
		total += amount
		g.add("MOA", "203:"+money(amount))
		g.add("PRI", "AAA:"+money(it.price))
	}
	g.add("UNS", "S")
	g.add("MOA", "86:"+money(total))
	g.add("CNT", "2:"+strconv.Itoa(g.lines))
	return g.segs
}

func (g *generator) desadv(n int) []string {
	g.segs = []string{"DESADV:D:96A:UN:EAN005"}
	order := fmt.Sprintf("PO%08d", max(1, n-1))
	g.add("BGM", "351", fmt.Sprintf("DES%08d", n), "9")
	g.add("DTM", "137:"+g.date()+":102")
	g.add("DTM", "11:"+g.date()+":102")
	g.add("RFF", "ON:"+order)
	g.party("SU", true)
	g.party("BY", false)
	g.party("DP", true)
	g.add("CPS", "1")
	pallets := max(1, g.lines/10)
	g.add("PAC", strconv.Itoa(pallets), "", "201")
	per := (g.lines + pallets - 1) / pallets
	line := 0
	for p := 0; p < pallets; p++ {
		g.add("CPS", strconv.Itoa(p+2), "1")
		g.add("PAC", "1", "", "201")
		g.add("PCI", "33E")
		g.add("GIN", "BJ", g.sscc())
		for k := 0; k < per && line < g.lines; k++ {
			line++
			it := pick(g.rng, g.items)
			g.add("LIN", strconv.Itoa(line), "", it.gtin+":EN")
			g.add("PIA", "1", it.supplierID+":SA")
			if g.rng.IntN(10) < 3 {
				g.add("IMD", "F", "", ":::"+esc(it.desc))
			}
			shipped := 1 + g.rng.IntN(240)
			ordered := shipped
			if g.rng.IntN(10) == 0 {
				ordered += 1 + g.rng.IntN(24) // a short shipment, the rest to follow
			}
			g.add("QTY", "12:"+strconv.Itoa(shipped))
			g.add("QTY", "21:"+strconv.Itoa(ordered))
			g.add("RFF", "ON:"+order)
			if ordered != shipped {
				g.add("QVR", strconv.Itoa(shipped-ordered)+":21", "BP")
			}
		}
	}
	g.add("CNT", "2:"+strconv.Itoa(g.lines))
	return g.segs
}

func (g *generator) invoic(n int) []string {
	g.segs = []string{"INVOIC:D:96A:UN:EAN008"}
	g.add("BGM", "380", fmt.Sprintf("INV%08d", n), "9")
	g.add("DTM", "137:"+g.date()+":102")
	g.add("DTM", "35:"+g.date()+":102")
	if g.rng.IntN(2) == 0 {
		g.add("FTX", "AAI", "1", "", g.note())
	}
	g.add("RFF", fmt.Sprintf("ON:PO%08d", max(1, n-2)))
	g.add("DTM", "171:"+g.date()+":102")
	g.add("RFF", fmt.Sprintf("DQ:DES%08d", max(1, n-1)))
	g.add("DTM", "171:"+g.date()+":102")
	g.party("SU", true)
	g.add("RFF", fmt.Sprintf("VA:DE%09d", g.rng.IntN(1000000000)))
	g.party("BY", true)
	g.party("IV", true)
	g.party("DP", false)
	g.add("CUX", "2:EUR:4")
	g.add("PAT", "1", "", "5:3:D:30")
	total, tax := 0.0, 0.0
	taxable := map[int]float64{} // by rate
	for i := 1; i <= g.lines; i++ {
		it := pick(g.rng, g.items)
		qty := 1 + g.rng.IntN(240)
		g.add("LIN", strconv.Itoa(i), "", it.gtin+":EN")
		g.add("PIA", "1", it.supplierID+":SA")
		g.add("IMD", "F", "", ":::"+esc(it.desc))
		g.add("QTY", "47:"+strconv.Itoa(qty))
		amount := float64(qty) * it.price
		total += amount
		g.add("MOA", "203:"+money(amount))
		g.add("PRI", "AAA:"+money(it.price))
		rate := 19
		if g.rng.IntN(2) == 0 {
			rate = 7
		}
		tax += amount * float64(rate) / 100
		taxable[rate] += amount
		g.add("TAX", "7", "VAT", "", "", ":::"+strconv.Itoa(rate), "S")
		g.add("MOA", "124:"+money(amount*float64(rate)/100))
	}
	g.add("UNS", "S")
	g.add("CNT", "2:"+strconv.Itoa(g.lines))
	g.add("MOA", "77:"+money(total+tax))
	g.add("MOA", "79:"+money(total))
	g.add("MOA", "125:"+money(total))
	g.add("MOA", "176:"+money(tax))
	for _, rate := range []int{7, 19} {
		if base, ok := taxable[rate]; ok {
			g.add("TAX", "7", "VAT", "", "", ":::"+strconv.Itoa(rate), "S")
			g.add("MOA", "125:"+money(base))
			g.add("MOA", "124:"+money(base*float64(rate)/100))
		}
	}
	return g.segs
}
