// Package mariadbtest starts private MariaDB servers for tests: each in
// its own temporary data directory, on a free loopback port, as a child
// process that the test stops. No system service is touched.
package mariadbtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Server is one private MariaDB instance.
type Server struct {
	Dir  string
	Port int
	// Args are extra mariadbd options, such as --ssl-cert.
	Args []string
	cmd  *exec.Cmd
	done chan error
}

// Binaries finds mariadb-install-db and mariadbd.
func Binaries() (installDB, server string, err error) {
	installDB, err = exec.LookPath("mariadb-install-db")
	if err != nil {
		return "", "", errors.New("mariadb-install-db not found: install the Debian package mariadb-server (the test command does)")
	}
	for _, p := range []string{"mariadbd", "/usr/sbin/mariadbd"} {
		if server, err = exec.LookPath(p); err == nil {
			return installDB, server, nil
		}
	}
	return "", "", errors.New("mariadbd not found: install the Debian package mariadb-server (the test command does)")
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// New initialises a data directory under dir. Start it with Start.
func New(dir string, port int) (*Server, error) {
	installDB, _, err := Binaries()
	if err != nil {
		return nil, err
	}
	if port == 0 {
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{Dir: dir, Port: port}
	if err := os.MkdirAll(s.tmpDir(), 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(installDB, "--no-defaults", "--datadir="+s.dataDir(), "--tmpdir="+s.tmpDir(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--user="+currentUser())
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	return s, nil
}

// Started is a new server in a temporary directory of the test, started;
// it stops when the test and its cleanups end.
func Started(t testing.TB) *Server {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "db"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if os.Geteuid() == 0 {
		return "root"
	}
	return fmt.Sprint(os.Geteuid())
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }

// tmpDir is the server's own temporary directory: instances sharing /tmp
// collided on its internal temporary tables while initialising.
func (s *Server) tmpDir() string { return filepath.Join(s.Dir, "tmp") }

// Socket is the server's unix socket, where root logs in without a password.
func (s *Server) Socket() string { return filepath.Join(s.Dir, "mysqld.sock") }

// Start runs the server and waits until it accepts connections.
func (s *Server) Start() error {
	_, server, err := Binaries()
	if err != nil {
		return err
	}
	args := append([]string{"--no-defaults",
		"--datadir=" + s.dataDir(), "--tmpdir=" + s.tmpDir(), "--socket=" + s.Socket(),
		fmt.Sprintf("--port=%d", s.Port), "--bind-address=127.0.0.1",
		"--user=" + currentUser(), "--pid-file=" + filepath.Join(s.Dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(s.Dir, "error.log"),
		"--skip-log-bin", "--innodb-buffer-pool-size=64M", "--skip-name-resolve",
		"--max-connections=50"}, s.Args...)
	s.cmd = exec.Command(server, args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			return fmt.Errorf("mariadbd exited: %v\n%s", err, s.errorLog())
		default:
		}
		db, err := s.Root("")
		if err == nil {
			err = db.Ping()
			db.Close()
			if err == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("mariadbd did not accept connections within 60s\n%s", s.errorLog())
}

func (s *Server) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "error.log"))
	return string(b)
}

// Kill stops the server at once, as a crash would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): connections stay open but nothing
// answers, as with a hung host or a dropped network.
func (s *Server) Pause() error { return s.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume undoes Pause.
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Stop shuts the server down cleanly.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Root opens a root connection over the socket to database db ("" for none).
func (s *Server) Root(db string) (*sql.DB, error) {
	c := mysql.NewConfig()
	c.User = "root"
	c.Net = "unix"
	c.Addr = s.Socket()
	c.DBName = db
	c.MultiStatements = true
	c.ParseTime = true
	return sql.Open("mysql", c.FormatDSN())
}

// DSN returns a TCP DSN for a user.
func (s *Server) DSN(user, password, db string) string {
	c := mysql.NewConfig()
	c.User = user
	c.Passwd = password
	c.Net = "tcp"
	c.Addr = fmt.Sprintf("127.0.0.1:%d", s.Port)
	c.DBName = db
	return c.FormatDSN()
}

// ExecFile runs a SQL script as root in database db.
func (s *Server) ExecFile(db, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return s.Exec(db, string(b))
}

// Exec runs SQL (several statements allowed) as root in database db.
func (s *Server) Exec(db, script string) error {
	conn, err := s.Root(db)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if strings.TrimSpace(script) == "" {
		return nil
	}
	_, err = conn.ExecContext(ctx, script)
	return err
}
