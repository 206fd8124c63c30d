"""In-process fakes of the services careerbot talks to, for end-to-end tests."""
