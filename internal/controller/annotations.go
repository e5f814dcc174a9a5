package controller

// Annotations and finalizers the controller honours on Applications.
const (
	// RefreshAnnotation asks for a refresh ("normal" or "hard"); it is
	// removed once the refresh is done.
	RefreshAnnotation = "argocd.argoproj.io/refresh"
	// ResourcesFinalizer cascades deletion to the managed objects.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
	// ResourcesFinalizerForeground is ResourcesFinalizer with foreground
	// propagation.
	ResourcesFinalizerForeground = "resources-finalizer.argocd.argoproj.io/foreground"
	// ResourcesFinalizerBackground is ResourcesFinalizer with background
	// propagation.
	ResourcesFinalizerBackground = "resources-finalizer.argocd.argoproj.io/background"
)
