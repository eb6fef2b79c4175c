// Test support: fake servers.
