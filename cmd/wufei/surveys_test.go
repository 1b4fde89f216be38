package main

import (
	"net/http"
	"testing"
	"time"
)

// TestSurveySettingsReachTheService: the surveys section of the
// configuration is what the running service applies: the default too_fast
// threshold of a new survey and the per-address submission limit.
func TestSurveySettingsReachTheService(t *testing.T) {
	t.Parallel()
	s := startServer(t, t.TempDir(), "WUFEI_BOOTSTRAP_ADMIN=root:longpassword1",
		"WUFEI_SURVEYS_MIN_SECONDS_PER_ANSWER=7.5", "WUFEI_SURVEYS_PER_ADDRESS_PER_MINUTE=2")
	_, body := s.login(t, "root", "longpassword1")
	admin, _ := body["token"].(string)
	status, sv := s.do(t, http.MethodPost, "/api/v1/surveys", admin, map[string]any{
		"title": "配置测试", "opens_at": time.Now().Add(-time.Hour).Format(time.RFC3339),
		"closes_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"questions": []any{map[string]any{"id": "q1", "type": "likert5", "title": "满意程度", "required": true}},
		"measures":  map[string]any{"satisfaction": "q1"},
	})
	if status != http.StatusCreated {
		t.Fatalf("create survey: %d %v", status, sv)
	}
	if sv["min_seconds_per_answer"] != 7.5 {
		t.Errorf("min_seconds_per_answer = %v, want the configured 7.5", sv["min_seconds_per_answer"])
	}
	id, _ := sv["id"].(string)
	if status, body := s.do(t, http.MethodPost, "/api/v1/surveys/"+id+"/publish", admin, nil); status != http.StatusOK {
		t.Fatalf("publish: %d %v", status, body)
	}
	// Three citizens behind one address (the test's): the third submission
	// of the minute from it is refused, whoever sends it.
	want := []int{http.StatusBadRequest, http.StatusBadRequest, http.StatusTooManyRequests}
	for i, w := range want {
		_, body := s.do(t, http.MethodPost, "/api/v1/auth/wechat", "", map[string]string{"code": "dev:survey-settings-" + string(rune('a'+i))})
		token, _ := body["token"].(string)
		status, body := s.do(t, http.MethodPost, "/api/v1/surveys/"+id+"/responses", token,
			map[string]any{"answers": map[string]any{"q1": 4}, "district": "150602", "start_token": "x"})
		if status != w {
			t.Errorf("submission %d: %d %v, want %d", i+1, status, body, w)
		}
	}
}
