package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/audit"
)

// cliActor is who the audit log names for changes made with `wufei user`.
var cliActor = audit.Actor{ID: "cli", Role: "system", Name: "命令行"}

func user(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv env) error {
	if len(args) == 0 {
		return errors.New("usage: wufei user add|list|disable|passwd [flags]")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf commonFlags
	cf.register(fs)
	username := fs.String("username", "", "username")
	role := fs.String("role", "", "role: admin, department, district or evaluator (add)")
	name := fs.String("name", "", "display name (add)")
	depts := fs.String("departments", "", "comma-separated departments (department role)")
	districts := fs.String("districts", "", "comma-separated district adcodes (district role)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if sub != "list" && *username == "" {
		return errors.New("--username is required")
	}
	cfg, err := loadConfig(cf, getenv)
	if err != nil {
		return err
	}
	a, err := open(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return describeLockError(err)
	}
	defer a.close(context.Background())

	switch sub {
	case "add":
		pass, err := readPassword(stdin)
		if err != nil {
			return err
		}
		r := account.Role(*role)
		in := account.StaffInput{Username: username, Password: &pass, Role: &r}
		if *name != "" {
			in.DisplayName = name
		}
		if *depts != "" {
			d := strings.Split(*depts, ",")
			in.Departments = &d
		}
		if *districts != "" {
			d := strings.Split(*districts, ",")
			in.Districts = &d
		}
		u, err := a.accounts.CreateStaff(ctx, cliActor, in)
		if err != nil {
			return describe(err)
		}
		_, err = fmt.Fprintf(stdout, "created %s (%s) id=%s\n", u.Username, u.Role, u.ID)
		return err
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tNAME\tSCOPE\tDISABLED")
		cursor := ""
		for {
			users, next, err := a.accounts.ListUsers(ctx, "", 100, cursor)
			if err != nil {
				return err
			}
			for _, u := range users {
				if !u.Role.Staff() {
					continue
				}
				scope := strings.Join(append(append([]string{}, u.Departments...), u.Districts...), ",")
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%v\n", u.ID, u.Username, u.Role, u.DisplayName, scope, u.Disabled)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		return tw.Flush()
	case "disable", "passwd":
		u, err := a.accounts.UserByUsername(ctx, *username)
		if err != nil {
			return describe(err)
		}
		in := account.StaffInput{}
		if sub == "disable" {
			t := true
			in.Disabled = &t
		} else {
			pass, err := readPassword(stdin)
			if err != nil {
				return err
			}
			in.Password = &pass
		}
		if _, err := a.accounts.UpdateStaff(ctx, cliActor, u.ID, in); err != nil {
			return describe(err)
		}
		_, err = fmt.Fprintf(stdout, "%s: done; the user's sessions are revoked\n", sub)
		return err
	default:
		return fmt.Errorf("unknown user command %q (add, list, disable, passwd)", sub)
	}
}

// readPassword reads one line from standard input, so passwords never
// appear in shell history or the process list.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("the password is read from standard input; none was given")
	}
	return line, nil
}
