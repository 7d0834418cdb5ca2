"""Small widgets shared by pages: the layout, nav bar, Clerk status banners and color swatch."""
