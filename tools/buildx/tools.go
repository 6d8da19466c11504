//go:build tools

// Package tools pins the buildx command that kiln's tests compare against.
// scripts/install-deps.sh builds it from this module.
package tools

import (
	_ "github.com/docker/buildx/cmd/buildx"
)
