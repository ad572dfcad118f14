package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestBarFitsWidth(t *testing.T) {
	big := Counts{Total: 1_000_000, Succeeded: 456_789, Failed: 12_345, Canceled: 3, Skipped: 1000, Calls: 98_765, Retries: 54_321, Throttled: 9_999}
	for _, c := range []Counts{{}, {Total: 3000, Succeeded: 1200, Failed: 29}, big, {Succeeded: 5}} {
		for width := 0; width <= 200; width++ {
			got := Bar(c, 83*time.Second, width)
			if n := utf8.RuneCountInString(got); n > width {
				t.Fatalf("Bar(%+v, width %d) = %q, %d columns", c, width, got, n)
			}
		}
	}
	got := Bar(Counts{Total: 3000, Succeeded: 1200, Failed: 29, Calls: 60}, 10*time.Second, 79)
	assert.Equal(t, "[########-----------]  41% 1229/3000  ok 1200  failed 29  123/s  ETA 14.4s  10s", got)
	assert.Equal(t, "[######--------]  41% 1229/3000  ok 1200  failed 29  0/s  0s", Bar(Counts{Total: 3000, Succeeded: 1200, Failed: 29}, 0, 60))
}

// TestCanceledAreNotFailed is the regression test for a Ctrl-C that made
// the bar jump to 100% with every canceled item counted as failed and in
// the rate.
func TestCanceledAreNotFailed(t *testing.T) {
	c := Counts{Total: 3000, Succeeded: 900, Failed: 71, Canceled: 2029}
	got := Bar(c, 10*time.Second, 120)
	assert.Contains(t, got, " 32% 971/3000  ok 900  failed 71  canceled 2029  97/s")
	assert.NotContains(t, got, "ETA", "nothing is left to do once the rest is canceled")
	assert.Equal(t, "971/3000 items (32%), 900 succeeded, 71 failed, 2029 canceled, 0 calls, 0 retries, 0 throttled, 10s, 97 items/s", Line(c, 10*time.Second))
}

func TestDisplay(t *testing.T) {
	c := Counts{Succeeded: 6, Failed: 1}
	var buf bytes.Buffer
	Start(&buf, Options{Width: func() int { return 40 }, BarEvery: time.Hour}, func() Counts { return c }).Stop()
	got := buf.String()
	assert.True(t, strings.HasPrefix(got, "\r7 items  ok 6  failed 1"), "bar without a total = %q", got)
	assert.True(t, strings.HasSuffix(got, "\n"))

	buf.Reset()
	c.Total = 14
	Start(&buf, Options{LineEvery: time.Hour}, func() Counts { return c }).Stop()
	assert.True(t, strings.HasPrefix(buf.String(), "progress: 7/14 items (50%), 6 succeeded, 1 failed"), "plain line = %q", buf.String())
	assert.Equal(t, 1, strings.Count(buf.String(), "\n"))
}

func TestShorterBarBlanksTheLongerOne(t *testing.T) {
	width := 100
	c := Counts{Total: 10, Succeeded: 1, Calls: 123456}
	var buf bytes.Buffer
	d := Start(&buf, Options{Width: func() int { return width }, BarEvery: time.Hour}, func() Counts { return c })
	d.draw()
	first := buf.Len()
	width = 50
	d.draw()
	d.Stop()
	second := buf.String()[first:]
	second = second[:strings.IndexByte(second[1:], '\r')+1]
	assert.Equal(t, first, len(second), "the second drawing pads to the first's length: %q", second)
}
