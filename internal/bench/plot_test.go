package bench

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// TestWriteSVG: the plot is well-formed XML with one marker per point and series, the
// title escaped, and a point's throughput drawn at its height on the left axis.
func TestWriteSVG(t *testing.T) {
	var b bytes.Buffer
	pts := []Point{{Offered: 100, Throughput: 100, P99: 5}, {Offered: 200, Throughput: 150, P99: 80}}
	if err := WriteSVG(&b, "pay <&>", pts); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	circles := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, b.String())
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "circle" {
			circles++
		}
	}
	if circles != 4 || !strings.Contains(b.String(), "pay &lt;&amp;&gt;") {
		t.Errorf("%d markers; title escaped: %v", circles, strings.Contains(b.String(), "&lt;"))
	}
	// Axes run to 200 (offered, throughput) and 100 ms (p99): throughput 150 sits a
	// quarter of the plot's height below its top.
	if want := `cx="640.0" cy="120.0"`; !strings.Contains(b.String(), want) {
		t.Errorf("no marker at %s:\n%s", want, b.String())
	}
}
