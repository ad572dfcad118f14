package readme

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReadmeUsageCompiles builds the Go program that follows the
// "<!-- usage -->" marker in README.md, inside this module, so the README's
// usage block cannot drift from the API.
func TestReadmeUsageCompiles(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(readme), "<!-- usage -->\n```go\n")
	require.True(t, ok, "README.md has no usage block after <!-- usage -->")
	src, _, ok := strings.Cut(rest, "\n```")
	require.True(t, ok, "the usage block is not closed")

	// A directory inside the module, so the program resolves its imports
	// through the module's go.mod; removed afterwards.
	dir, err := os.MkdirTemp(".", "usage-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(src+"\n"), 0o644))
	out, err := exec.Command("go", "vet", "./"+dir).CombinedOutput()
	require.NoError(t, err, "the README's usage program does not build:\n%s", out)
}
