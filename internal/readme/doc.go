// Package readme holds the test that the README's usage program compiles
// as shown.
package readme
