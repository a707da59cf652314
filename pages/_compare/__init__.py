"""The Compare page's parts: its session state and callbacks, the panes, the live stream, the sidebar, the vote."""
