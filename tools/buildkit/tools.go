//go:build tools

// Package tools pins the BuildKit commands that kiln's test rig runs.
// scripts/install-deps.sh builds them from this module.
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
