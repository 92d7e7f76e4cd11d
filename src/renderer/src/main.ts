import { mount } from 'svelte';
import App from './App.svelte';
// The theme tokens (src/present/theme.ts) before the styles that use them.
import 'virtual:kvscope-theme.css';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

export default mount(App, { target });
