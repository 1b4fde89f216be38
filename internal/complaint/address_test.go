package complaint_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"strconv"
	"testing"

	"github.com/ordos-wufei/wufei/configs"
	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/complaint"
	"github.com/ordos-wufei/wufei/internal/platform/errs"
)

func TestDistrictInAddress(t *testing.T) {
	t.Parallel()
	cases := map[string]string{ // address → adcode, "" = not resolved
		"东胜区": "150602",
		"内蒙古自治区鄂尔多斯市康巴什区北区 3 号": "150603",
		"東勝區":          "150602",
		"東胜区":          "150602",
		"鄂尔多斯市东胜":      "150602",
		"东胜，铁西":        "150602",
		"达拉特":          "150621",
		"准格尔旗薛家湾镇":     "150622",
		"鄂托克前旗":        "150623",
		"鄂托克前":         "150623",
		"鄂托克旗":         "150624",
		"鄂托克":          "150624",
		"鄂托克旗 鄂托克":     "150624", // the same division twice
		"杭锦旗锡尼镇":       "150625",
		"乌审旗":          "150626",
		"伊金霍洛旗准格尔召镇":   "150627",
		"":             "",
		"鄂尔多斯市":        "",
		"某小区东门":        "",
		"东胜街":          "", // a short name inside a longer word
		"新东胜":          "",
		"准格尔召镇":        "",
		"康巴什新区":        "",
		"东胜区与康巴什区交界":   "", // two divisions
		"鄂托克旗和鄂托克前旗之间": "",
		"乌审 杭锦":        "",
	}
	for address, want := range cases {
		d, ok := complaint.DistrictInAddress(address)
		if ok != (want != "") || d.Adcode != want {
			t.Errorf("%q: %+v %v, want %q", address, d, ok, want)
		}
	}
}

// TestDistrictInAddressNamesEveryDivision: each of the nine names of the
// reference data resolves to its own adcode, alone and inside an address.
func TestDistrictInAddressNamesEveryDivision(t *testing.T) {
	t.Parallel()
	data, err := fs.ReadFile(configs.FS, "refdata/ordos_districts.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Divisions []struct {
			Adcode int    `json:"adcode"`
			Name   string `json:"name"`
		} `json:"divisions"`
	}
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Divisions) != 9 {
		t.Fatalf("%d divisions", len(ref.Divisions))
	}
	for _, d := range ref.Divisions {
		for _, address := range []string{d.Name, "鄂尔多斯市" + d.Name + "某街道 1 号"} {
			got, ok := complaint.DistrictInAddress(address)
			if !ok || got.Adcode != strconv.Itoa(d.Adcode) || got.Name != d.Name {
				t.Errorf("%q: %+v %v, want %d", address, got, ok, d.Adcode)
			}
		}
	}
}

// TestUnlocatedComplaint: a complaint known only by its district is filed
// without a point, never suggested as a duplicate, and is not indexed.
func TestUnlocatedComplaint(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := struct {
		actor account.Actor // Open311 clients file with no user
		name  string
	}{account.Actor{}, "12345 市民热线"}
	u, dups, err := f.svc.Submit(ctx, client.actor, complaint.Input{Category: "other", Description: "有人倾倒垃圾", Address: "东胜区",
		District: "150602", Client: client.name})
	if err != nil {
		t.Fatal(err)
	}
	if !u.Unlocated || u.Lat != 0 || u.Lng != 0 || u.District != "150602" || u.DistName != "东胜区" || len(dups) != 0 {
		t.Fatalf("unlocated: %+v, %v", u, dups)
	}
	located := f.submit(t, "other") // at the district's centroid
	if located.Unlocated {
		t.Fatal("located complaint marked unlocated")
	}
	// Rebuilding the duplicate index keeps it out too.
	if _, err := f.svc.RebuildDuplicateIndex(ctx); err != nil {
		t.Fatal(err)
	}
	lat, lng := point(t)
	got, err := f.svc.Nearby(ctx, "other", lat, lng)
	if err != nil || len(got) != 1 || got[0].ID != located.ID {
		t.Fatalf("nearby: %+v (%v)", got, err)
	}
	// A point, when given, wins over the district.
	both, _, err := f.svc.Submit(ctx, client.actor, complaint.Input{Category: "other", Description: "x", Lat: lat, Lng: lng,
		District: "150627", Client: client.name})
	if err != nil || both.Unlocated || both.District != "150602" {
		t.Fatalf("point and district: %+v (%v)", both, err)
	}
	// An unknown district, or neither point nor district, is refused.
	for name, in := range map[string]complaint.Input{
		"unknown district": {Category: "other", Description: "x", District: "110101", Client: client.name},
		"nothing":          {Category: "other", Description: "x", Client: client.name},
	} {
		_, _, err := f.svc.Submit(ctx, client.actor, in)
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != errs.KindInvalid || len(e.Fields) == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
