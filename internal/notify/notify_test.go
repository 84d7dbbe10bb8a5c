package notify

import (
	"testing"
	"time"
)

func TestNextFollowsAntomSchedule(t *testing.T) {
	start := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	at := start
	var offsets []time.Duration
	for n := 1; ; n++ {
		next, ok := Next(n, at)
		if !ok {
			if n != MaxAttempts {
				t.Fatalf("schedule ended after attempt %d, want %d", n, MaxAttempts)
			}
			break
		}
		at = next
		offsets = append(offsets, at.Sub(start))
	}
	want := []time.Duration{2 * time.Minute, 12 * time.Minute, 22 * time.Minute, 82 * time.Minute, 202 * time.Minute, 562 * time.Minute, 1462 * time.Minute}
	if len(offsets) != len(want) {
		t.Fatalf("offsets %v, want %v", offsets, want)
	}
	for i := range want {
		if offsets[i] != want[i] {
			t.Fatalf("attempt %d at +%v, want +%v", i+2, offsets[i], want[i])
		}
	}
	if _, ok := Next(0, start); ok {
		t.Fatal("Next(0) gave a time")
	}
}

func TestIsAck(t *testing.T) {
	for body, want := range map[string]bool{
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`:                 true,
		"{\"result\":{\"resultMessage\":\"success\",\"resultCode\":\"SUCCESS\",\"resultStatus\":\"S\"}}\n": true,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"Success"}}`:                 false,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S"}}`:                                           false,
		`{"result":{"resultCode":"FAIL","resultStatus":"F","resultMessage":"success"}}`:                    false,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}} trail`:           false,
		`OK`: false,
		``:   false,
		`{}`: false,
	} {
		if got := IsAck([]byte(body)); got != want {
			t.Errorf("IsAck(%q) = %v, want %v", body, got, want)
		}
	}
}
