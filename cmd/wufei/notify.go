package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/platform/wechat"
)

// wechatSender sends outbox messages as subscribe messages. Without a
// template for a kind the message is skipped (in development mode the
// client only logs, so the kind stands in for the template). Title and body
// fill thing1 and thing2 unless the message carries template data.
func wechatSender(wc *wechat.Client, templates []string) notify.Sender {
	byKind := map[string]string{}
	for _, t := range templates {
		k, v, _ := strings.Cut(t, "=")
		byKind[k] = v
	}
	return func(ctx context.Context, openid string, m notify.Message) error {
		tmpl := byKind[m.Kind]
		if tmpl == "" {
			if !wc.DevMode() {
				return fmt.Errorf("no subscribe template for %q: %w", m.Kind, notify.ErrPermanent)
			}
			tmpl = m.Kind
		}
		data := m.Data
		if len(data) == 0 {
			data = map[string]string{"thing1": clip(m.Title, 20), "thing2": clip(m.Body, 20)}
		}
		err := wc.SendSubscribe(ctx, wechat.SubscribeMessage{ToUser: openid, TemplateID: tmpl, Page: m.Page, Data: data})
		if errors.Is(err, wechat.ErrSubscriptionRefused) {
			return fmt.Errorf("%w: %w", err, notify.ErrPermanent)
		}
		return err
	}
}

// clip keeps WeChat's 20-character limit of thing fields.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
