package complaint

import (
	"reflect"
	"testing"
	"time"
)

// TestRowPacking: a row survives its stored and announced form, whatever
// the complaint holds; other formats are refused.
func TestRowPacking(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 23, 9, 30, 15, 123e6, time.UTC)
	due := at.Add(48 * time.Hour)
	cases := map[string]Complaint{
		"just filed": {ID: "WF2026112300001", Category: "other", District: "150602", Status: StatusSubmitted, Lat: 39.8284581, Lng: 109.7502,
			SubmittedAt: at, AcceptDue: due, Reporter: Reporter{UserID: "u_1"}, Source: "miniprogram"},
		"unlocated open311": {ID: "WF2026112300002", Category: "household_waste", District: "150621", Status: StatusSubmitted, Unlocated: true,
			SubmittedAt: at, AcceptDue: due, Source: "open311"},
		"everything": {ID: "WF2026112399999", Version: 17, Category: "hazardous_waste", District: "150603", Status: StatusClosed,
			Handler: &Handler{Kind: "district", Code: "150603", Name: "达拉特旗"}, Escalated: true, Abusive: true, Lat: -1.5, Lng: 1e-7,
			SubmittedAt: at, AcceptedAt: &at, ResolvedAt: &due, ClosedAt: &due, AcceptDue: due, ResolveDue: &due,
			Warned: []string{"accept", "resolve"}, Overdue: []string{"resolve"}, Reopened: 3,
			Feedback: []Feedback{{Rating: 2}, {Rating: 5}}, Reporter: Reporter{UserID: "u_2"}, Source: "miniprogram",
			Followers: []string{"u_3", "u_4"}},
		"control characters dropped": {ID: "WF2026112300003", Category: "other", Status: StatusAccepted, SubmittedAt: at, AcceptDue: due,
			Reporter: Reporter{UserID: "u_\x1f5"}, Followers: []string{"u_\x1e6"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var in interner
			want := rowOf(c)
			got, err := unpack(c.ID, want.pack(), &in)
			if err != nil {
				t.Fatal(err)
			}
			if name == "control characters dropped" {
				want.reporter, want.followers = "u_5", []string{"u_6"}
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("\n got %+v\nwant %+v", got, want)
			}
			back := got.complaint()
			if back.Status != c.Status || !back.SubmittedAt.Equal(c.SubmittedAt) || back.Unlocated != c.Unlocated ||
				(c.ResolveDue != nil) != (back.ResolveDue != nil) || back.OnTime() != c.OnTime() || back.Escalated != c.Escalated {
				t.Fatalf("complaint of the row: %+v", back)
			}
		})
	}
	var in interner
	for _, bad := range []string{"", "r0\x1f1", rowOf(cases["just filed"]).pack() + "\x1fextra", "r1" + string(make([]byte, 0))} {
		if _, err := unpack("WF1", bad, &in); err == nil {
			t.Errorf("unpacked %q", bad)
		}
	}
}

// TestPeriodStarts: trend periods start on CST days, Mondays and firsts
// of the month, covering from to to.
func TestPeriodStarts(t *testing.T) {
	t.Parallel()
	d := func(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, shanghaiLoc) }
	cases := map[string]struct {
		from, to time.Time
		g        Granularity
		want     []string
	}{
		"one day":            {d(2026, 11, 23), d(2026, 11, 23), ByDay, []string{"2026-11-23"}},
		"weeks from sunday":  {d(2026, 11, 29), d(2026, 12, 7), ByWeek, []string{"2026-11-23", "2026-11-30", "2026-12-07"}},
		"weeks over newyear": {d(2026, 12, 31), d(2027, 1, 4), ByWeek, []string{"2026-12-28", "2027-01-04"}},
		"months":             {d(2026, 1, 31), d(2026, 3, 1), ByMonth, []string{"2026-01-01", "2026-02-01", "2026-03-01"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, p := range periodStarts(tc.from, tc.to, tc.g) {
				got = append(got, p.Format(time.DateOnly))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
