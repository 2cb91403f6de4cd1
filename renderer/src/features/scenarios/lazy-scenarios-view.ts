/** The Scenarios view, loaded when first shown (it brings the editor): render it inside a Suspense. */
import { lazy } from 'react';

export const ScenariosView = lazy(() => import('./scenarios-view.tsx').then((m) => ({ default: m.ScenariosView })));
