"""stylegan2"""
