package gevent_test

import "context"

func context_Cause(ctx context.Context) error { return context.Cause(ctx) }
