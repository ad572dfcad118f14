package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"github.com/batchkit/batchkit/wickr/wickrtest"
)

// Seeding Wickr users. The kit gives the users of a network the IDs 1, 2,
// 3... in creation order and cannot be told which ID to give, so a job
// naming user IDs (delete-users, reinvite-users, suspend-users,
// reset-devices) is seeded by creating users 1 to N of the network, user
// ID n named fakeUsername(n), whose uname in the kit is
// wickrtest.UnameOf(fakeUsername(n)). A uname is a hash of the user name,
// so a lookup-unames job can be seeded only with the unames of those
// users. Nothing else creates users while the kits are seeded (create-users
// seeds networks and groups only), so the IDs are predictable.
const (
	// maxFakeUserID is the highest user ID seeding creates: users 1 to it
	// of a network take a few megabytes.
	maxFakeUserID = 10000
	// fakeUserGroup is the security group of the seeded users.
	fakeUserGroup = "sg-batchctl-fake"
)

// fakeUsername is the name of the seeded Wickr user with ID n.
func fakeUsername(n int) string { return "fake-user-" + strconv.Itoa(n) }

// wickrUser makes sure the Wickr kit's network has a user with ID id,
// creating users up to it.
func (k *kits) wickrUser(network, id string) error {
	if !wickrNetworkID(network) {
		return errors.New("NetworkId is not 8 digits")
	}
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > maxFakeUserID || strconv.Itoa(n) != id {
		return fmt.Errorf("the kit numbers the users of a network 1, 2, 3... in creation order, and seeds user IDs 1 to %d without leading zeros: other user IDs will be answered as not found", maxFakeUserID)
	}
	k.wickr.AddNetwork(network)
	for m := k.wickrUsers[network] + 1; m <= n; m++ {
		u := k.wickr.AddUser(network, fakeUsername(m), fakeUserGroup)
		if u.UserId != strconv.Itoa(m) {
			return fmt.Errorf("the kit gave %s the user ID %s, not %d", fakeUsername(m), u.UserId, m)
		}
		k.wickrUsers[network] = m
	}
	return nil
}

// wickrUname makes sure the Wickr kit's network has the user whose uname
// is uname, when it is the uname of a user seeding can create.
func (k *kits) wickrUname(network, uname string) error {
	if !wickrNetworkID(network) {
		return errors.New("NetworkId is not 8 digits")
	}
	if k.unames == nil {
		k.unames = make(map[string]int, maxFakeUserID)
		for n := 1; n <= maxFakeUserID; n++ {
			k.unames[wickrtest.UnameOf(fakeUsername(n))] = n
		}
	}
	n, ok := k.unames[uname]
	if !ok {
		k.wickr.AddNetwork(network)
		return fmt.Errorf("not the uname of a user the kit seeds (%s to %s; see batchctl fake -h): it will be answered as not found", fakeUsername(1), fakeUsername(maxFakeUserID))
	}
	return k.wickrUser(network, strconv.Itoa(n))
}

// wickrNetworkID reports whether s is 8 digits, the model's network ID.
func wickrNetworkID(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// printWickrUsers tells the operator which Wickr users seeding created.
func (k *kits) printWickrUsers(w io.Writer) {
	if len(k.wickrUsers) == 0 {
		return
	}
	fmt.Fprintln(w, "batchctl fake: Wickr users seeded: user ID N is named fake-user-N (its uname: the first 32 hex digits of the SHA-256 of the name)")
	networks := slices.Sorted(maps.Keys(k.wickrUsers))
	for _, n := range networks[:min(len(networks), maxListed)] {
		fmt.Fprintf(w, "batchctl fake:   network %s: user IDs 1 to %d\n", n, k.wickrUsers[n])
	}
	if len(networks) > maxListed {
		fmt.Fprintf(w, "batchctl fake:   and %d more networks\n", len(networks)-maxListed)
	}
}
