/**
 * A scrolled list's position and visible height, for lists that render only the rows in view
 * (sizes computed from fixed slots, never measured: measuring each row forces a layout per row
 * per frame). `setScrollTop` is for the list's onScroll and for jumps the list makes itself.
 */
import { useLayoutEffect, useState, type RefObject } from 'react';

export function useScrollWindow(scroller: RefObject<HTMLElement | null>): { scrollTop: number; setScrollTop: (top: number) => void; viewport: number } {
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setViewport(el.clientHeight);
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, [scroller]);
  return { scrollTop, setScrollTop, viewport };
}
