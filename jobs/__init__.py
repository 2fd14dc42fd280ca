"""Feed fetching and the nightly refresh (issue 4); nothing here yet runs in web workers."""
